-- 0002: versioned snapshots of custom models, words and prompt metadata.
--
-- Storage grows with change, not with size. Every versioned row carries the range of snapshots in which it
-- was valid: valid_from <= snapshot < valid_to. A snapshot is the set of rows whose range contains it, and the
-- difference between two snapshots is the rows whose range starts or ends between them. An unchanged model
-- adds no rows; a changed word closes one row and adds one.
--
-- valid_to is 2147483647 ("open": valid in the newest snapshot) until the row is superseded. That sentinel is
-- a 4-byte integer, and closing a row writes a smaller snapshot id, so an update never grows a row or splits
-- a page. Snapshot ids come from AUTOINCREMENT and are never reused, so ranges stay meaningful after
-- `forget` deletes snapshots.

-- Where snapshots come from: a service instance (its URL without credentials), or an imported folder.
-- A snapshot limited to some models (say `--language ja-JP`) has its own scope, so it forms its own lineage
-- and never claims models it did not fetch.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('service', 'import')),
    url         TEXT    NOT NULL,  -- service URL (no userinfo, no query) or the imported folder's path
    scope       TEXT    NOT NULL DEFAULT '',  -- '' for every model, else the canonical filter
    UNIQUE (kind, url, scope)
);

-- One row per complete snapshot. Rows are written in the same transaction as the data, so an incomplete
-- snapshot (crash, kill, full disk, service failure) never exists.
CREATE TABLE snapshots (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          INTEGER NOT NULL REFERENCES sources(id),
    started_at      TEXT    NOT NULL,  -- UTC ISO 8601 with milliseconds
    finished_at     TEXT    NOT NULL,
    note            TEXT,
    model_count     INTEGER NOT NULL,
    word_count      INTEGER NOT NULL,
    prompt_count    INTEGER NOT NULL,
    -- What changed since the source's previous snapshot (for `snapshots`): counted while writing.
    models_added    INTEGER NOT NULL,
    models_removed  INTEGER NOT NULL,
    models_changed  INTEGER NOT NULL,
    words_added     INTEGER NOT NULL,
    words_removed   INTEGER NOT NULL,
    words_changed   INTEGER NOT NULL,
    -- SHA-256 (hex) over the canonical content of every model and word; `check` recomputes it.
    digest          TEXT    NOT NULL,
    -- words.id values below this were written by this snapshot or earlier ones: rows born between two
    -- snapshots are a rowid range, found without an index.
    word_id_end     INTEGER NOT NULL
);
CREATE INDEX snapshots_by_time ON snapshots (finished_at);

CREATE TABLE snapshot_tags (
    snapshot    INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL,
    PRIMARY KEY (tag, snapshot)
) WITHOUT ROWID;

-- Identity of a custom model: its source and customization id. Names are not unique on the service.
CREATE TABLE models (
    id                  INTEGER PRIMARY KEY,
    source              INTEGER NOT NULL REFERENCES sources(id),
    customization_id    TEXT    NOT NULL,
    UNIQUE (source, customization_id)
);

-- Metadata versions of a model (rarely change).
CREATE TABLE model_versions (
    id          INTEGER PRIMARY KEY,
    model       INTEGER NOT NULL REFERENCES models(id),
    name        TEXT,
    language    TEXT,
    description TEXT,
    owner       TEXT,
    created     TEXT,
    valid_from  INTEGER NOT NULL,
    valid_to    INTEGER NOT NULL DEFAULT 2147483647
);
CREATE INDEX model_versions_open ON model_versions (model) WHERE valid_to = 2147483647;

-- Content versions of a model: a new row whenever its words or prompts change (or last_modified moves).
-- words_hash is SHA-256 over the model's words in service order (see ContentHasher), so an unchanged model is
-- recognised without reading its words back, and `check` can verify every version.
CREATE TABLE model_states (
    id              INTEGER PRIMARY KEY,
    model           INTEGER NOT NULL REFERENCES models(id),
    last_modified   TEXT,
    word_count      INTEGER NOT NULL,
    words_hash      BLOB    NOT NULL,
    prompts_hash    BLOB    NOT NULL,
    valid_from      INTEGER NOT NULL,
    valid_to        INTEGER NOT NULL DEFAULT 2147483647
);
CREATE INDEX model_states_open ON model_states (model) WHERE valid_to = 2147483647;

-- Word/translation pairs, byte-exact as the service returned them.
CREATE TABLE words (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    model           INTEGER NOT NULL REFERENCES models(id),
    word            TEXT    NOT NULL,
    translation     TEXT    NOT NULL,
    part_of_speech  TEXT,
    valid_from      INTEGER NOT NULL,
    valid_to        INTEGER NOT NULL DEFAULT 2147483647
);
-- The newest state of a model, in service (byte) order, for the snapshot merge. A translation edit deletes and
-- inserts the same key here, so it does not grow the index.
CREATE INDEX words_open ON words (model, word) WHERE valid_to = 2147483647;
-- Rows that ended, by the snapshot that ended them: appended in snapshot order; used by diff and forget.
CREATE INDEX words_closed ON words (valid_to) WHERE valid_to <> 2147483647;

-- Custom prompt metadata (the API never returns audio; prompts are recorded, not restorable).
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    model       INTEGER NOT NULL REFERENCES models(id),
    prompt_id   TEXT    NOT NULL,
    prompt      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    error       TEXT,
    speaker_id  TEXT,
    valid_from  INTEGER NOT NULL,
    valid_to    INTEGER NOT NULL DEFAULT 2147483647
);
CREATE INDEX prompts_open ON prompts (model, prompt_id) WHERE valid_to = 2147483647;

-- Views for the sqlite3 shell. Join on a snapshot id, for example:
--   SELECT model_name, word, translation FROM snapshot_words WHERE snapshot = 42;
CREATE VIEW snapshot_models AS
SELECT s.id AS snapshot, m.customization_id, v.name, v.language, v.description, v.owner, v.created,
       st.last_modified, st.word_count, m.id AS model
FROM snapshots s
JOIN models m ON m.source = s.source
JOIN model_versions v ON v.model = m.id AND v.valid_from <= s.id AND v.valid_to > s.id
JOIN model_states st ON st.model = m.id AND st.valid_from <= s.id AND st.valid_to > s.id;

CREATE VIEW snapshot_words AS
SELECT sm.snapshot, sm.customization_id, sm.name AS model_name, sm.language,
       w.word, w.translation, w.part_of_speech
FROM snapshot_models sm
JOIN words w ON w.model = sm.model AND w.valid_from <= sm.snapshot AND w.valid_to > sm.snapshot;

CREATE VIEW latest_words AS
SELECT * FROM snapshot_words WHERE snapshot = (SELECT max(id) FROM snapshots);
