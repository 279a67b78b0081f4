-- cardrecon store, version 8: adjusting journal entries (`cardrecon journal`).
--
-- An accepted item's booking, frozen the first time it is journalled: its journal
-- (`J-2026-03-001`), date, accounts (direction applied), the exact amount at stake, currency and
-- memo. The same period's next journal repeats these rows as they are and books only items
-- not here yet, so an item is never booked twice, whatever the rules say later.
CREATE TABLE journal_items (
    item_id TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    journal_id TEXT NOT NULL,
    journalled_at TEXT NOT NULL,
    entry_date TEXT NOT NULL,
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    rounding_account TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    memo TEXT NOT NULL
);
CREATE INDEX journal_items_period ON journal_items (period, journal_id);
