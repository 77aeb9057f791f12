-- 0001: identity of an archive file.
--
-- application_id 'TTSA' (0x54545341) marks the file as a tts-archive archive, so a command pointed at some
-- other SQLite database refuses it instead of adding tables to it (`file archive.sqlite` shows it too).
PRAGMA application_id = 1414812481;

-- One row, written when the archive is created. `archive_id` tells two archive files apart (a hot copy from
-- its original) without trusting file names.
CREATE TABLE archive_info (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    archive_id  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL  -- UTC, ISO 8601 with milliseconds
);
