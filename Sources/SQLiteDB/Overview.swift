// SQLiteDB: our thin wrapper over the SQLite C library (the `CSQLite` system-library target).
//
// What it is: connections (`Database`), prepared statements (`Statement`), typed values (`DatabaseValue`),
// errors that keep SQLite's codes and the file they concern (`SQLiteError`), transactions, and the migrator that
// applies numbered SQL files in order and refuses a database whose history does not match (`Migrator`).
//
// What it must not know: anything of Text to Speech or of the archive's schema. The schema is text it is given
// (`ArchiveSchema`, from migrations/); what a file must hold to be an archive is decided by ArchiveCore.
//
// Where to start reading: `Database.swift` (opening, pragmas, WAL, running SQL), then `Statement.swift`.
