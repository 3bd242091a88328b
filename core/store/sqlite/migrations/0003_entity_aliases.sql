-- Schema version 3: other keys under which a connector's entity state is found.
--
-- A connector that links two systems (the GitHub sync links a Turbo issue and
-- owner/repo#number) stores one state row and names the other key as an alias,
-- so that events about either side read and write the same row and version.

CREATE TABLE entity_alias (
    connector  TEXT NOT NULL,
    alias_key  TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    PRIMARY KEY (connector, alias_key)
) WITHOUT ROWID;
