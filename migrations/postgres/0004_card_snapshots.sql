-- cardrecon store, version 4: each period's card lists (cardapp's card_list), for the next
-- period's card roll-forward (`crate::cards`). Balances are decimal text in the account
-- currency. A re-run of a period replaces its rows.
CREATE TABLE card_snapshots (
    period TEXT NOT NULL,
    period_first_day TEXT NOT NULL,
    provider TEXT NOT NULL,
    card_id TEXT NOT NULL,
    card_masked TEXT,
    status BIGINT,
    balance TEXT,
    cumulative_recharge TEXT,
    currency TEXT NOT NULL
);
CREATE INDEX card_snapshots_by_period ON card_snapshots (period_first_day, period);
