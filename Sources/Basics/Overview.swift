// Basics: small values that several layers need and that belong to none of them.
//
// What it is: `Timestamp` (the UTC ISO 8601 text with milliseconds that the service writes and the archive
// stores; used by the migrator in SQLiteDB, by ArchiveCore and by the emulator) and `SplitMix64` (the seeded
// random generator of the emulator's generated lexicons, churn and faults, and of the tests' generated data), and
// `AsyncSemaphore` (the client's limit on requests in flight, the server's one writing job at a time).
//
// What it must not know: anything of TTS, SQLite, HTTP or the file system. It depends on Foundation only, so
// that SQLiteDB (which knows nothing of TTS, and so cannot import TTSAPI) can use it.
//
// Where to start reading: `Timestamp.swift`.
