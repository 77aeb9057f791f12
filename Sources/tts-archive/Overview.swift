// tts-archive: the command-line front door onto ArchiveCore's jobs.
//
// What it is: one file per command (`Snapshot.swift`, `Diff.swift`, `Restore.swift`, `Log.swift`, ...), each of
// which parses, calls the core, and reports; shared options (`ArchiveOptions`, `ServiceOptions`), output for
// people and scripts (`Output`, `TerminalText`: control characters shown escaped, JSON exact), one place that
// turns errors into a line and a documented exit status (`ErrorReporting`, `ExitStatus`). The drill's in-process
// emulator target lives in InProcessEmulator, the server (`serve`, `Serve.swift`) in ArchiveServer.
//
// What it must not know: how the archive works. Anything a second front end (the server) would also need belongs
// in ArchiveCore, not here.
//
// Where to start reading: `TTSArchive.swift` (the root command and the list of commands), then any command file.
