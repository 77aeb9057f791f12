-- 0007: warm standby. A target service instance kept in step with the archive by `sync`.
--
-- A target is identified by its URL, redacted as the restore journal records it (no userinfo, no query): never its
-- credentials. Its pairing maps each source model (customization id in the archive) to its twin on the target and
-- says which snapshot the target last equalled. The first sync is a restore; its journal (0003) seeds the pairing.
-- Later runs send the difference between `snapshot` and the new snapshot, journaled step by step in sync_runs and
-- sync_steps so a failed or killed run is resumed by running it again and never creates a model twice. The pairing
-- moves to the new snapshot only once every step is done, in one transaction.
--
-- Readers may skip this migration: it only adds tables, and sync's readers take them as empty when they are missing
-- (an older archive on a read-only mount).

CREATE TABLE sync_targets (
    target       TEXT    PRIMARY KEY,  -- redacted target URL
    snapshot     INTEGER NOT NULL,     -- the snapshot the target last equalled (no foreign key: see restore_runs)
    synced_at    TEXT    NOT NULL,     -- UTC ISO 8601 with milliseconds
    restore_run  INTEGER               -- the restore run that seeded the pairing
) WITHOUT ROWID;

-- paired: the target model is the source model's twin, kept in step.
-- kept: the source model was removed and `sync --keep-removed` left its twin on the target; never touched again,
--       and not drift.
CREATE TABLE sync_pairings (
    target     TEXT NOT NULL REFERENCES sync_targets(target) ON DELETE CASCADE,
    source_id  TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'paired' CHECK (state IN ('paired', 'kept')),
    PRIMARY KEY (target, source_id)
) WITHOUT ROWID;
CREATE INDEX sync_pairings_by_target_id ON sync_pairings (target, target_id);

-- One run sends the difference between two snapshots. A first run is a restore run of 0003, not a row here.
CREATE TABLE sync_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    target         TEXT    NOT NULL,
    from_snapshot  INTEGER NOT NULL,
    to_snapshot    INTEGER NOT NULL,
    started_at     TEXT    NOT NULL,
    finished_at    TEXT,               -- NULL while running (or after a kill)
    status         TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed', 'cancelled')),
    options        TEXT    NOT NULL,   -- JSON: batch size, keep-removed (kept for resume)
    report         TEXT                -- JSON run report
);
CREATE INDEX sync_runs_unfinished ON sync_runs (target) WHERE status IN ('running', 'failed');

-- One row per model the run changes; `plan` is its JSON step (metadata, entries to add, words to delete), fixed
-- when the run starts so a resumed run sends the same requests whatever the target holds by then.
--   pending -> creating (POST sent, outcome unknown until the id is stored) -> created -> words -> done
--   failed (message says why; running the sync again retries it)
CREATE TABLE sync_steps (
    run           INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
    source_id     TEXT    NOT NULL,
    action        TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete', 'keep', 'replace')),
    target_id     TEXT,               -- the twin (update, delete, keep), NULL until created (create, replace)
    plan          TEXT    NOT NULL,
    requests_done INTEGER NOT NULL DEFAULT 0,  -- metadata and add-words requests, then word deletes, accepted
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'creating', 'created', 'words', 'done', 'failed')),
    message       TEXT,
    PRIMARY KEY (run, source_id)
) WITHOUT ROWID;

CREATE TABLE sync_rejections (
    run         INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
    source_id   TEXT    NOT NULL,
    word        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    PRIMARY KEY (run, source_id, word)
) WITHOUT ROWID;
