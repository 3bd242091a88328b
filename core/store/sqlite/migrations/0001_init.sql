-- Schema version 1: events, deliveries, attempts and per-entity connector state.
--
-- Every key that grows with each event is a sequential integer, so inserts touch
-- only the right edge of each B-tree and their cost stays flat as the tables grow.
-- AUTOINCREMENT keeps those keys from ever being handed out again after
-- retention deleted the newest rows: a delivery's id is its idempotency key at
-- the destination.
-- Duplicate detection on the random event_id is done by an in-memory index built
-- from events.id_hash at start, not by a UNIQUE index on event_id.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT    NOT NULL,
    id_hash      INTEGER NOT NULL, -- FNV-1a 64 of event_id
    content_hash BLOB    NOT NULL, -- tells a duplicate from a conflict
    event_type   TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    body         BLOB    NOT NULL, -- the canonical envelope JSON
    received_at  INTEGER NOT NULL  -- Unix nanoseconds
);

-- A destination is a connector instance plus the target values that identify
-- where it sends (a URL, a channel). Fairness, rate limits and circuits key on it.
CREATE TABLE destinations (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE
);

CREATE TABLE deliveries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq      INTEGER NOT NULL,
    route          TEXT    NOT NULL,
    connector      TEXT    NOT NULL,
    target         BLOB    NOT NULL, -- rendered target parameters, JSON object
    untrusted      TEXT    NOT NULL DEFAULT '', -- comma-separated parameter names
    destination_id INTEGER NOT NULL,
    ordering_key   TEXT,
    entity_key     TEXT    NOT NULL DEFAULT '',
    state          INTEGER NOT NULL, -- 0 scheduled, 1 delivered, 2 dead, 3 skipped, 4 cancelled
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    next_at        INTEGER NOT NULL,
    hold_reason    TEXT    NOT NULL DEFAULT '',
    held_ns        INTEGER NOT NULL DEFAULT 0, -- time spent held, which does not count against max_age
    last_error     TEXT    NOT NULL DEFAULT '',
    updated_at     INTEGER NOT NULL,
    lease_owner    TEXT,
    lease_token    INTEGER,
    lease_until    INTEGER
);

CREATE INDEX deliveries_by_event ON deliveries (event_seq);
-- Only unfinished deliveries are in these two, so they stay as small as the backlog.
CREATE INDEX deliveries_due ON deliveries (destination_id, next_at) WHERE state = 0;
CREATE INDEX deliveries_ordering ON deliveries (ordering_key, id) WHERE state = 0 AND ordering_key IS NOT NULL;
CREATE INDEX deliveries_dead ON deliveries (id) WHERE state = 2;

CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    duration_us  INTEGER NOT NULL,
    outcome      TEXT    NOT NULL,
    status_code  INTEGER NOT NULL DEFAULT 0,
    response     TEXT    NOT NULL DEFAULT '',
    error        TEXT    NOT NULL DEFAULT '',
    external_ref TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX attempts_by_delivery ON attempts (delivery_id);

CREATE TABLE entity_state (
    connector  TEXT    NOT NULL,
    entity_key TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    data       BLOB,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (connector, entity_key)
) WITHOUT ROWID;
