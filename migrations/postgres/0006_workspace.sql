-- cardrecon store, version 6: the workspace (`cardrecon serve`).
--
-- Sessions live here, not in the server's memory, so signing out or disabling a user ends their
-- sessions at once (a row deleted), and a restart does not sign everyone out. `id` is the
-- session cookie's value and is never shown; `data` is the session's JSON (who signed in and
-- when, never a password); `expires_at` is Unix seconds.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_name TEXT,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);

-- Maker-checker: a preparer's proposed decision on one item, which takes effect when an
-- approver who is not its preparer approves it. `action` is accept, confirm, reject or reopen;
-- `status` is pending, approved or rejected (by `decided_by`, with `decision_note`). A
-- proposal's whole life is also in the event log (`proposed`, `approved`, `proposal rejected`),
-- which stays append-only; this table is the queue.
CREATE TABLE proposals (
    proposal_id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    period TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT
);
CREATE INDEX proposals_by_status ON proposals (status, proposed_at);
CREATE INDEX proposals_by_item ON proposals (item_id);

-- Store-wide settings a command cannot be trusted to bring with it (the CLI can be given
-- `--store` without the configuration): `cli_decisions` = `false` makes `accept`, `reopen`,
-- `reject` and `close-period` refuse.
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- What the workspace filters on: the audit log by action and time (sign-in throttling counts
-- recent failures), by period and by person; the items page by state, period and category.
CREATE INDEX events_by_event ON events (event, at);
CREATE INDEX events_by_period ON events (period, seq);
CREATE INDEX events_by_whom ON events (by_whom, seq);
CREATE INDEX items_by_state ON items (status, period, category);
CREATE INDEX items_by_tx ON items (tx_id);
CREATE INDEX items_by_order ON items (order_id);
CREATE INDEX items_by_entry ON items (ledger_entry_id);
