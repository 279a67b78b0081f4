-- cardrecon store, version 7: the event log proves itself.
--
-- Every event carries the hash of the event before it and its own (SHA-256 over the previous
-- hash and its content, `store::chain`), written in the same transaction as the event; the one
-- row of `event_chain` holds the head (the last event's hash) and how many events the chain
-- has, so deleting the newest events is seen too. `cardrecon verify-log` recomputes the chain.
-- Events written before this version are chained in order once, when a store of this version
-- first opens (`pending` = 1 until then), and it says so.
ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;
CREATE TABLE event_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    head TEXT,
    events BIGINT NOT NULL,
    pending BIGINT NOT NULL
);
INSERT INTO event_chain (id, head, events, pending) VALUES (1, NULL, 0, 1);
