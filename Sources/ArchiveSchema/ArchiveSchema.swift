/// The archive's schema: the migrations of top-level `migrations/`, embedded at build time
/// (see `EmbedMigrationsPlugin`), in the order they must be applied.
public enum ArchiveSchema {
    public static var migrations: [(name: String, sql: String)] { EmbeddedMigrations.all }
}
