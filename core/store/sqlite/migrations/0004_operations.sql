-- Schema version 3: what operators do through the management API.

-- The attempt count when an operator last retried the delivery: the attempt
-- budget of a retried delivery counts from it.
ALTER TABLE deliveries ADD COLUMN retry_base INTEGER NOT NULL DEFAULT 0;

-- Unfinished deliveries by id, so the oldest pending one is found without a
-- scan; ids grow with every delivery, so inserts touch only the right edge.
CREATE INDEX deliveries_pending ON deliveries (id) WHERE state = 0;

-- Connectors whose deliveries are held: paused by an operator, or disabled by
-- Switchboard (endpoint gone, failing too long).
CREATE TABLE connector_pauses (
    connector TEXT    PRIMARY KEY,
    reason    TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    automatic INTEGER NOT NULL DEFAULT 0,
    paused_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Every operator action (retry, replay, pause, resume, test send), with who
-- and when.
CREATE TABLE operator_actions (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL DEFAULT ''
);
