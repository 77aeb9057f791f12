// EmbedMigrations: the build tool behind `EmbedMigrationsPlugin`. It reads migrations/*.sql and writes one Swift
// file with their names and text for the `ArchiveSchema` target. It runs at build time only; `main.swift` is all.
