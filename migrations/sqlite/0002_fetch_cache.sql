-- cardrecon store, version 2: the fetch cache. A provider's per-record detail (keysecure's
-- consume/info), kept for records in a final status, keyed by the record's id and a fingerprint
-- of the record as listed: a re-run of the period against an unchanged provider does not ask
-- again, and a record whose list form changed is asked again. Secrets (cvv, pin) are removed
-- before anything is kept.
CREATE TABLE fetch_cache (
    provider TEXT NOT NULL,
    record_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    detail TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (provider, record_id, fingerprint)
);
