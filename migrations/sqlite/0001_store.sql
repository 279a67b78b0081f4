-- cardrecon store, version 1 (SQLite). The PostgreSQL file of the same version creates the same
-- tables with the same columns; only the column types differ where the two databases differ.
-- Money is decimal text (never a float), instants RFC 3339 UTC text, periods YYYY-MM labels.

-- One row. Every write bumps `generation`, so a run that read the store before another writer
-- committed is refused instead of overwriting what that writer decided.
CREATE TABLE store_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO store_lock (id, generation) VALUES (1, 0);

CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    result_rows BIGINT NOT NULL,
    discrepancies BIGINT NOT NULL,
    new_items BIGINT NOT NULL,
    cleared_items BIGINT NOT NULL,
    resolved_items BIGINT NOT NULL
);

CREATE TABLE periods (
    period TEXT PRIMARY KEY,
    first_day TEXT NOT NULL,
    status TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    note TEXT
);

CREATE TABLE items (
    item_id TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    period_first_day TEXT NOT NULL,
    category TEXT NOT NULL,
    provider TEXT,
    kind TEXT,
    tx_id TEXT,
    order_id TEXT,
    ledger_entry_id TEXT,
    amount TEXT,
    currency TEXT,
    item_day TEXT,
    status TEXT NOT NULL,
    first_run TEXT NOT NULL,
    last_run TEXT NOT NULL,
    cleared_in TEXT,
    cleared_by_run TEXT,
    reason TEXT,
    note TEXT,
    decided_by TEXT,
    decided_at TEXT,
    evidence TEXT NOT NULL,
    accepted_evidence TEXT,
    record_side TEXT,
    record TEXT
);
CREATE INDEX items_period ON items (period);
CREATE INDEX items_status ON items (status);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT,
    period TEXT,
    at TEXT NOT NULL,
    by_whom TEXT NOT NULL,
    event TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    run_id TEXT,
    reason TEXT,
    note TEXT
);
CREATE INDEX events_item ON events (item_id);
