-- 0006: a restore run stopped by cancellation (Ctrl-C, SIGTERM, a job cancelled by its caller) has the status
-- 'cancelled': resumable as a failed run is, and told apart from one in `restores`.
--
-- SQLite cannot change a CHECK constraint in place: the journal's three tables are copied into new ones and
-- renamed (the children's references follow the rename), the old ones dropped children first, so no cascade
-- deletes a row. Run ids keep their AUTOINCREMENT counter.
--
-- Readers may skip this migration: an archive without it holds no cancelled run, so a read-only copy of an older
-- archive is read as it is.

CREATE TABLE restore_runs_0006 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: `forget` may delete the snapshot later; the journal stays as history.
    snapshot    INTEGER NOT NULL,
    target      TEXT    NOT NULL,  -- target service URL, redacted (no userinfo, no query); never credentials
    started_at  TEXT    NOT NULL,  -- UTC ISO 8601 with milliseconds
    finished_at TEXT,              -- NULL while running (or after a kill)
    status      TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed', 'cancelled')),
    options     TEXT    NOT NULL,  -- JSON: filter, existing policy, mode, batch size (kept for resume)
    report      TEXT               -- JSON run report (per model: old id -> new id, words, status, rejections)
);
INSERT INTO restore_runs_0006 (id, snapshot, target, started_at, finished_at, status, options, report)
    SELECT id, snapshot, target, started_at, finished_at, status, options, report FROM restore_runs;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'restore_runs_0006', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'restore_runs_0006');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'restore_runs'), 0))
    WHERE name = 'restore_runs_0006';

CREATE TABLE restore_models_0006 (
    run             INTEGER NOT NULL REFERENCES restore_runs_0006(id) ON DELETE CASCADE,
    source_id       TEXT    NOT NULL,  -- customization_id in the snapshot
    target_id       TEXT,              -- NULL until created (or the existing model for --existing update)
    action          TEXT    NOT NULL CHECK (action IN ('create', 'update', 'replace', 'skip')),
    replaces        TEXT    NOT NULL DEFAULT '',  -- --existing replace: space-separated ids deleted first
    name            TEXT,
    language        TEXT,
    word_count      INTEGER NOT NULL,
    batches_done    INTEGER NOT NULL DEFAULT 0,  -- batches (single mode: words) the service accepted
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'creating', 'created', 'words', 'done', 'skipped', 'failed')),
    message         TEXT,
    PRIMARY KEY (run, source_id)
) WITHOUT ROWID;
INSERT INTO restore_models_0006 SELECT run, source_id, target_id, action, replaces, name, language, word_count, batches_done, status, message
    FROM restore_models;

CREATE TABLE restore_rejections_0006 (
    run         INTEGER NOT NULL REFERENCES restore_runs_0006(id) ON DELETE CASCADE,
    source_id   TEXT    NOT NULL,
    word        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    PRIMARY KEY (run, source_id, word)
) WITHOUT ROWID;
INSERT INTO restore_rejections_0006 SELECT run, source_id, word, message FROM restore_rejections;

DROP TABLE restore_rejections;
DROP TABLE restore_models;
DROP TABLE restore_runs;
ALTER TABLE restore_runs_0006 RENAME TO restore_runs;
ALTER TABLE restore_models_0006 RENAME TO restore_models;
ALTER TABLE restore_rejections_0006 RENAME TO restore_rejections;
CREATE INDEX restore_runs_unfinished ON restore_runs (snapshot, target) WHERE status IN ('running', 'failed', 'cancelled');
CREATE INDEX restore_models_by_target ON restore_models (target_id) WHERE target_id IS NOT NULL;
