-- cardrecon store, version 5.
--
-- What each run reported open at the end of its period, so the next period opens exactly where
-- the last report closed: a decision made between two runs is a movement of the next run that
-- sees it (its Accepted, Reopened or Resolved), never a silent change to a figure already
-- issued. `runs.open_recorded` tells a run that recorded an empty list from one made before
-- this version (which recorded none; the next period then opens as earlier versions computed).
-- The amount is the item's as the run counted it (decimal text), so the next period opens with
-- the figures issued.
CREATE TABLE run_open_items (
    run_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT,
    PRIMARY KEY (run_id, item_id)
);
ALTER TABLE runs ADD COLUMN open_recorded BIGINT NOT NULL DEFAULT 0;

-- Exposure, as of the item's latest run: both sides' amounts, their difference and the signed
-- amount at stake (money out negative). Decimal text; NULL for items written before this
-- version until a run sees them again.
ALTER TABLE items ADD COLUMN provider_amount TEXT;
ALTER TABLE items ADD COLUMN ledger_amount TEXT;
ALTER TABLE items ADD COLUMN amount_difference TEXT;
ALTER TABLE items ADD COLUMN at_stake TEXT;

-- Where a person's decision came from: `command line, os user <name>` for the CLI (its
-- `--by` is free text, the account that ran it is not); NULL for a run's own events (they
-- name their run) and for events written before this version.
ALTER TABLE events ADD COLUMN origin TEXT;

-- The people who sign in to the workspace: a role and an Argon2id hash (PHC string), nothing
-- else about the password. `enabled` is 1 or 0. Changes are events (`user added`, …).
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
