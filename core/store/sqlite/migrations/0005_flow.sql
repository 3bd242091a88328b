-- Schema version 5: digests and throttles, the route options that shape when
-- messages go out.

-- A digest collects the events one route matched for one target during one
-- window into one delivery. key names the route, a hash of its config, the
-- target and the window's start. A digest is open while its delivery is
-- scheduled and unleased; once claimed, later events start a new one.
CREATE TABLE digests (
    delivery_id INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL,
    max_items   INTEGER NOT NULL
);

CREATE INDEX digests_by_key ON digests (key);

-- The events of each digest, its first one included.
CREATE TABLE digest_events (
    delivery_id INTEGER NOT NULL,
    event_seq   INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, event_seq)
) WITHOUT ROWID;

CREATE INDEX digest_events_by_event ON digest_events (event_seq);

-- A throttle per key (route, target, rendered key): until when the last
-- message that went out blocks the next one, and how many matches were
-- skipped since.
CREATE TABLE throttles (
    key        TEXT    PRIMARY KEY,
    until      INTEGER NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- total_events counts the events of a digest delivery (0 for a delivery of
-- one event); suppressed counts the matches a throttle skipped before it.
ALTER TABLE deliveries ADD COLUMN total_events INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0;
