// ArchiveSchema: the archive's SQL schema (migrations/*.sql), embedded at build time by `EmbedMigrationsPlugin`
// (which runs the `EmbedMigrations` tool), so a binary copied alone still creates and upgrades archives. It holds
// text only; `SQLiteDB.Migrator` applies it and ArchiveCore decides when. To change the schema, add a numbered file
// to migrations/ (never edit an applied one: its checksum is recorded in every archive).
