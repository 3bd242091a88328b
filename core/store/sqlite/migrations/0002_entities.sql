-- Schema version 2: entity state for derived events, the scheduler's lease,
-- and what the daily digest counts.

-- The last known state of each entity, updated in the transaction of the event
-- that changed it. next_due_at is when the entity is next owed a due-date event
-- (0 when none), so the scheduler reads only the entities it must act on.
CREATE TABLE entities (
    key         TEXT    PRIMARY KEY, -- "<entity_type>:<entity_id>"
    entity_type TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    project_id  TEXT    NOT NULL DEFAULT '',
    state       BLOB    NOT NULL,    -- data.current as it arrived
    due_at      INTEGER NOT NULL DEFAULT 0,
    closed      INTEGER NOT NULL DEFAULT 0,
    last_change TEXT    NOT NULL DEFAULT '{}', -- JSON: change type -> change id
    seen_at     INTEGER NOT NULL,
    next_due_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX entities_next_due ON entities (next_due_at) WHERE next_due_at > 0;

-- An event that reports a change Switchboard also derives (Turbo's own
-- issue.closed) is stored with that change's id as its alias, so the derived
-- event and the reported one are found as the same change.
ALTER TABLE events ADD COLUMN alias_id TEXT;
ALTER TABLE events ADD COLUMN alias_hash INTEGER;
ALTER TABLE events ADD COLUMN project_id TEXT NOT NULL DEFAULT '';
-- An event that reports a change stored already is kept, without deliveries,
-- so that a resend of it is known; duplicate_of names the stored change.
ALTER TABLE events ADD COLUMN duplicate_of TEXT;

-- Events by arrival time, for digests and reports over a period. Arrival times
-- grow with every event, so inserts touch only the index's right edge.
CREATE INDEX events_by_time ON events (received_at);

-- Jobs that one instance at a time runs, such as the scheduler.
CREATE TABLE leases (
    name  TEXT    PRIMARY KEY,
    owner TEXT    NOT NULL,
    until INTEGER NOT NULL
) WITHOUT ROWID;

-- When each periodic job (the daily digest, the weekly report) last ran, so a
-- restart catches up a missed run once.
CREATE TABLE schedule_marks (
    name TEXT    PRIMARY KEY,
    at   INTEGER NOT NULL
) WITHOUT ROWID;
