-- Schema version 2: the settings that every instance on this database must
-- give the same value, as each instance last recorded them, so that an
-- instance can name the ones that differ on another. A row stays after its
-- instance stops; an instance counts as running while a session holds the
-- lock on its id.
CREATE TABLE instance_settings (
    instance_id text   PRIMARY KEY,
    -- fingerprint is the SHA-256 of settings, so an unchanged record is not
    -- written again.
    fingerprint text   NOT NULL,
    -- settings maps a setting's name in the config file, such as
    -- storage.retention, to its value as the config file writes it.
    settings    jsonb  NOT NULL,
    recorded_at bigint NOT NULL
);
