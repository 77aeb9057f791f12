-- 0003: the restore journal. One run restores a snapshot's models into a target service instance.
--
-- Every step is written in its own short transaction the moment it happens (model about to be created, its new
-- id, each batch of words sent), so a killed or failed run can be resumed without creating a model twice: the
-- service allows duplicate names (reference §5.7), so only this journal knows which target model is ours.
-- Snapshot data is only read by a restore, never modified.

CREATE TABLE restore_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: `forget` may delete the snapshot later; the journal stays as history.
    snapshot    INTEGER NOT NULL,
    target      TEXT    NOT NULL,  -- target service URL, redacted (no userinfo, no query); never credentials
    started_at  TEXT    NOT NULL,  -- UTC ISO 8601 with milliseconds
    finished_at TEXT,              -- NULL while running (or after a kill)
    status      TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed')),
    options     TEXT    NOT NULL,  -- JSON: filter, existing policy, mode, batch size (kept for resume)
    report      TEXT               -- JSON run report (per model: old id -> new id, words, status, rejections)
);
CREATE INDEX restore_runs_unfinished ON restore_runs (snapshot, target) WHERE status IN ('running', 'failed');

-- One row per model of the snapshot selected for the run.
--   pending -> creating (POST sent, outcome unknown until the id is stored) -> created -> words -> done
--   skipped (left alone by --existing skip), failed (message says why; resume retries it)
CREATE TABLE restore_models (
    run             INTEGER NOT NULL REFERENCES restore_runs(id) ON DELETE CASCADE,
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
CREATE INDEX restore_models_by_target ON restore_models (target_id) WHERE target_id IS NOT NULL;

-- Entries the service refused (400), isolated by splitting batches; the rest of the model was restored.
CREATE TABLE restore_rejections (
    run         INTEGER NOT NULL REFERENCES restore_runs(id) ON DELETE CASCADE,
    source_id   TEXT    NOT NULL,
    word        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    PRIMARY KEY (run, source_id, word)
) WITHOUT ROWID;
