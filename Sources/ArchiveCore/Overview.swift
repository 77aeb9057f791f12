// ArchiveCore: the archive's jobs, on top of the SQLite layer and the service client.
//
// What it is: everything tts-archive does with an archive (snapshot, diff, restore, rollback, drill, retention,
// check, import/export, history), as functions and types that a front end calls. The CLI (`tts-archive`) is one
// front end; the archive server will be another. Both stay thin: nothing here is implemented twice.
//
// What it must not know: front ends. No argument parsing, no printing, no exit statuses, no HTTP server; errors
// say what is wrong (and what exists), not which command to run. It knows SQLite only through `SQLiteDB` and the
// service only through `ModelSource` (what a snapshot reads) and `RestoreTarget` (what a restore writes), which
// `TTSClient` implements; it never imports the emulator.
//
// Where to start reading, by subsystem:
// - The store: `ArchiveStore` opens (or refuses) a file and migrates it; `ArchiveLock` keeps one writer a run.
// - Snapshot: `Snapshotter.run` lists and fetches through a `ModelSource`, `SnapshotWriter` merges each model
//   into the versioned rows (migrations/0002_snapshots.sql explains the row ranges; a removed model's word rows
//   stay open and end with it: `WordRowEnds`, migration 0010); `ContentHasher` hashes.
// - Diff: `SnapshotDiff` reads the rows born and ended between two snapshots (`LineageRows`, into `PackedWords`
//   keyed by model: `DiffRows.swift`), merges them into `WordChanges` (`WordRowMerge`), and `ArchiveDiff` (+JSON,
//   `DiffPieces` for ordered output) renders the result; SnapshotDiff.swift draws the whole pipeline.
//   `ContentDiff` compares materialized models (a live side, a restored copy).
// - Restore: `RestorePlan` decides per model, `Restorer` replays through a `RestoreTarget` with a
//   `RestoreJournal` so a killed run resumes, reading the snapshot model by model (`SnapshotStream`);
//   `RestoreDrill` proves a restore into a throw-away target; `RollbackPlan` puts one live model back.
// - Keeping the archive: `RetentionPolicy` and `ArchiveMaintenance` (forget, tags, backup), `ArchiveChecker`.
// - Interchange and history: `Interchange` (export), `ImportFolder`/`DirectorySource` (import), `WordHistory`.
// - For the archive server: `OperationLog` (its long-running operations, migration 0008) and `SnapshotQueries`
//   (paged listings, selectors within one source).
