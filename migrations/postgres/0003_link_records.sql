-- cardrecon store, version 3: what the links check of a later period asks for. Each run keeps
-- its period's originals (in-period records, success or pending, that are neither a refund nor
-- a fee) and its refunds that name an original, so a refund next month finds its original and
-- the refunds of one original add up across months. A re-run of a period replaces its rows.
CREATE TABLE link_records (
    period TEXT NOT NULL,
    period_first_day TEXT NOT NULL,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,
    tx_id TEXT NOT NULL,
    related_tx_id TEXT,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL
);
CREATE INDEX link_records_by_tx ON link_records (provider, tx_id);
-- Only refunds name an original: the index holds them alone.
CREATE INDEX link_records_by_related ON link_records (provider, related_tx_id) WHERE related_tx_id IS NOT NULL;
CREATE INDEX link_records_by_period ON link_records (period);
