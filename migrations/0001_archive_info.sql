-- 0001: identity of an archive file.
-- One row, written when the archive is created. `archive_id` lets tools tell two archive files apart
-- (for example a hot copy from its original) without trusting file names.
CREATE TABLE archive_info (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    archive_id  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL  -- UTC, ISO 8601 with milliseconds
);
