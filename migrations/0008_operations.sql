-- 0008: the archive server's long-running operations (snapshot, restore, drill, rollback), one row each.
--
-- Rows outlive the process: after a restart every past operation still answers, and one that was running
-- when the process died is marked Failed with error_code 'interrupted'. A restore's journal (restore_runs)
-- stays the source of truth for resuming it; the row only points to its run. No credentials are ever stored:
-- sources and targets are names from the server's configuration.
--
-- Readers may skip this migration: only the server reads these rows, and it opens the archive for writing; the
-- CLI's reading commands use an older archive on a read-only mount without it.
CREATE TABLE operations (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- listing order (newest first)
    id              TEXT    NOT NULL UNIQUE,            -- client-chosen Operation-Id, or a generated UUID
    kind            TEXT    NOT NULL CHECK (kind IN ('snapshot', 'restore', 'drill', 'rollback')),
    status          TEXT    NOT NULL CHECK (status IN ('NotStarted', 'Running', 'Succeeded', 'Failed', 'Canceled')),
    source          TEXT,                               -- configured source name, where the job reads one
    target          TEXT,                               -- configured restore target name (restore)
    snapshot        INTEGER,                            -- the snapshot read (restore, drill, rollback) or made
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
CREATE INDEX operations_running ON operations (status) WHERE status IN ('NotStarted', 'Running');
