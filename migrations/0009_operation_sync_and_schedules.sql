-- 0009: operations gain the kind 'sync' (the warm standby, POST /v1/syncs) and who started them (`started_by`:
-- 'api' for a request, 'schedule' for the server's scheduler, 'after_snapshot' for a sync a source's `sync_to`
-- starts after its snapshot); schedules can be paused, and a pause survives restarts.
--
-- SQLite cannot change a CHECK constraint in place: the operations table is copied into a new one and renamed.
-- Its AUTOINCREMENT counter (the listing order) is carried over.
--
-- Readers may skip this migration: only the server reads these rows, and it opens the archive for writing.
CREATE TABLE operations_0009 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- listing order (newest first)
    id              TEXT    NOT NULL UNIQUE,            -- client-chosen Operation-Id, or a generated UUID
    kind            TEXT    NOT NULL CHECK (kind IN ('snapshot', 'restore', 'drill', 'rollback', 'sync')),
    status          TEXT    NOT NULL CHECK (status IN ('NotStarted', 'Running', 'Succeeded', 'Failed', 'Canceled')),
    started_by      TEXT    NOT NULL DEFAULT 'api'      -- the API's `trigger`: a request, the scheduler, a sync_to
                    CHECK (started_by IN ('api', 'schedule', 'after_snapshot')),
    source          TEXT,                               -- configured source name, where the job reads one
    target          TEXT,                               -- configured target name (restore, sync)
    snapshot        INTEGER,                            -- the snapshot read (restore, drill, rollback, sync) or made
    created_at      TEXT    NOT NULL,                   -- UTC ISO 8601 with milliseconds
    last_action_at  TEXT    NOT NULL,
    phase           TEXT,                               -- the job's progress phase (plan, replay, verify, ...)
    models_done     INTEGER NOT NULL DEFAULT 0,
    models_total    INTEGER NOT NULL DEFAULT 0,
    words_done      INTEGER NOT NULL DEFAULT 0,
    words_total     INTEGER NOT NULL DEFAULT 0,
    warnings        TEXT    NOT NULL DEFAULT '[]',      -- JSON array of strings
    error_code      TEXT,                               -- Failed / Canceled: a stable code (locked, interrupted, ...)
    error_message   TEXT,
    error_target    TEXT,
    result          TEXT,                               -- JSON, when the job returned one
    request         TEXT    NOT NULL,                   -- the request body as received (JSON), for resume
    request_hash    TEXT    NOT NULL,                   -- SHA-256 of the canonical request: Operation-Id idempotency
    restore_run     INTEGER,                            -- restore_runs.id (no foreign key: the journal may be forgotten)
    resumed_from    TEXT                                -- the operation a resume continues
);
INSERT INTO operations_0009 (seq, id, kind, status, started_by, source, target, snapshot, created_at, last_action_at, phase,
                             models_done, models_total, words_done, words_total, warnings, error_code, error_message,
                             error_target, result, request, request_hash, restore_run, resumed_from)
    SELECT seq, id, kind, status, 'api', source, target, snapshot, created_at, last_action_at, phase,
           models_done, models_total, words_done, words_total, warnings, error_code, error_message,
           error_target, result, request, request_hash, restore_run, resumed_from
    FROM operations;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'operations_0009', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'operations_0009');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'operations'), 0))
    WHERE name = 'operations_0009';
DROP TABLE operations;
ALTER TABLE operations_0009 RENAME TO operations;
CREATE INDEX operations_running ON operations (status) WHERE status IN ('NotStarted', 'Running');
CREATE INDEX operations_kind_source ON operations (kind, source, seq);

-- A paused schedule (POST /v1/schedules/{source}:pause); its row is deleted by :resume.
CREATE TABLE schedule_pauses (
    source     TEXT PRIMARY KEY,   -- configured source name
    paused_at  TEXT NOT NULL       -- UTC ISO 8601 with milliseconds
);
