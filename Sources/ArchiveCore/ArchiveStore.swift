import ArchiveSchema
import Basics
import Foundation
import SQLiteDB

/// Opens an archive file: creates it (0600, with its folder) when asked to write, refuses files that are not
/// archives (untouched: whose file it is, is read before anything is written), brings the schema up to date, and
/// turns SQLite's failures into ``ArchiveError``s. Writers first have SQLite check the file's structure
/// (`PRAGMA quick_check`, about 0.1 s for 500k entries): nothing is written into a damaged file.
///
/// The connection is the store's own: code of this module on the store's task uses ``db``; work shared between
/// concurrent tasks (a restore's model tasks writing the journal, a snapshot committing what it fetched while
/// other writers go on) goes through ``pool``, which serializes the writers and gives readers their own
/// connections. Other modules ask the store for what they need (``checkpoint()``), never for SQL.
public final class ArchiveStore {
    public let path: String
    /// The connection, for this module's code running on the store's task (not while a job shares ``pool``).
    let db: Database
    /// Serialized access to the archive for concurrent tasks: one writer at a time, readers beside it.
    let pool: DatabasePool

    /// `TTSA`, written by migration 0001 as the file's application_id.
    public static let applicationID: Int64 = 0x5454_5341

    public enum Access: Sendable {
        /// Commands that only read: the archive must exist.
        case read
        /// Commands that write: a missing archive is created.
        case write
    }

    /// The file this store opened (device and inode, read before the open) and how many migrations it found
    /// applied: what ``isCurrent()`` compares.
    private let openedFile: FileID?
    private let migrationsApplied: Int?

    public init(path: String, access: Access) throws {
        self.path = path
        try Self.checkFileType(path)
        openedFile = FileID(path)
        let exists = FileManager.default.fileExists(atPath: path)
        if access == .read, !exists { throw ArchiveError.missing(path: path) }
        if exists, access == .write, !FileManager.default.isWritableFile(atPath: path) {
            throw ArchiveError.readOnly(path: path)
        }
        // Readers open read-write when they may, so an older archive can be upgraded in place and WAL works.
        let mode: Database.Mode = switch access {
        case .write: .readWriteCreate
        case .read: FileManager.default.isWritableFile(atPath: path) ? .readWrite : .readOnly
        }
        do {
            let db = try Self.open(path: path, mode: mode, access: access)
            if access == .write { try Self.checkStructure(db, path: path) }
            self.db = db
            pool = DatabasePool(db)
            // A file opened immutable (its path then a `file:` URI) never sees later commits: never current.
            migrationsApplied = db.path == path ? try? Self.migrationCount(db) : nil
        } catch let error as SQLiteError {
            throw Self.translate(error, path: path)
        }
    }

    static func open(path: String, mode: Database.Mode, access: Access = .read) throws -> Database {
        do {
            // WAL journaling is switched on only once the file is known to be ours (or new): it rewrites the header.
            let db = try Database(path: path, mode: mode, writeAheadLog: false)
            try checkIdentity(db, path: path, access: access)
            try db.useWriteAheadLog()
            try migrate(db, path: path)
            return db
        } catch let error as SQLiteError where mode == .readOnly && (error.isCannotOpen || error.isReadOnly) && !hasUnmergedWAL(path) {
            // A WAL archive on a read-only file system (a backup mount, a snapshot of a volume: SQLITE_CANTOPEN) or
            // in a folder this user cannot write (SQLITE_READONLY_CANTINIT) cannot get the `-shm` file SQLite needs
            // to read it. With no `-wal` file holding writes, the main file is the whole archive, so it is read as
            // immutable.
            let db = try Database(path: immutableURI(path), mode: .readOnly)
            try checkIdentity(db, path: path, access: access)
            try migrate(db, path: path)
            return db
        }
    }

    /// Refuses, without opening it, a path that exists but is not a regular file (a folder, a device such as
    /// /dev/null, a FIFO, a socket): SQLite would write a schema or a `-journal` into or beside it, or block on
    /// a FIFO. A symlink to a regular file is followed, as SQLite does.
    static func checkFileType(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }  // missing (or unreadable): the open reports it
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: kind = "a folder"
        case S_IFCHR, S_IFBLK: kind = "a device"
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        throw ArchiveError.notAnArchive(path: path, reason: "it is \(kind); give the path of an archive file")
    }

    /// SQLite's structural check, run before a write: a write into a damaged b-tree can spread the damage. It
    /// reads every page once, so through read() copies: through the memory map every page of the file would stay
    /// in the process's resident memory for the rest of the run (a 2M-entry restore: 197 MB peak instead of 69).
    static func checkStructure(_ db: Database, path: String) throws {
        let findings = try db.withoutMemoryMap { try db.quickCheck() }
        guard let first = findings.first else { return }
        throw ArchiveError.corrupt(path: path, reason: Self.findingsSummary(findings.count, first: first))
    }

    static func findingsSummary(_ count: Int, first: String) -> String {
        "SQLite's integrity check found \(count == 1 ? "a problem" : "\(count) problems") (\(first))"
    }

    static func hasUnmergedWAL(_ path: String) -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return size > 0
    }

    /// `file:` URI of a path (SQLite's URI escaping: `%`, `?` and `#` must be encoded), opened immutable.
    static func immutableURI(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var escaped = ""
        for byte in absolute.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0x80...0xFF, 0..<0x20:
                escaped += String(format: "%%%02X", byte)
            default:
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return "file:" + escaped + "?immutable=1"
    }

    /// Whose file it is, read before anything is written to it: a SQLite database of another application (its
    /// own application_id, or tables without ours) is refused; an empty one (an empty file, a database with no
    /// tables) becomes an archive only for a command that writes, and is "not an archive yet" to one that reads.
    static func checkIdentity(_ db: Database, path: String, access: Access) throws {
        let appID: Int64 = try db.scalar("PRAGMA application_id")
        let tables: Int = try db.scalar("SELECT count(*) FROM sqlite_master")
        if appID != applicationID, appID != 0 || tables > 0 {
            throw ArchiveError.notAnArchive(path: path, reason: "it is a SQLite database of another application")
        }
        if tables == 0, access == .read { throw ArchiveError.empty(path: path) }
    }

    /// The archive's migrations with their checksums, built once a process: the server opens the archive for
    /// every read, and hashing every migration's text each time was a tenth of a `GET /v1/snapshots`.
    private static let migrator = Result { try Migrator(ArchiveSchema.migrations.map { Migration(name: $0.name, sql: $0.sql) }) }

    static func migrate(_ db: Database, path: String) throws {
        let migrator = try Self.migrator.get()
        do {
            let pending = try migrator.pending(in: db)
            guard !pending.isEmpty else { return }
            if db.mode == .readOnly {
                // Missing indexes only slow reads down, some changes only allow new values, and a later feature's
                // new tables read as empty (sync's): a read-only archive is used without them.
                if pending.allSatisfy(\.readersMaySkip) { return }
                throw ArchiveError.readOnly(path: path)
            }
            let fresh = try migrator.applied(in: db).isEmpty
            // A migration may read much of the file (an index built over a table): through read() copies, as
            // `checkStructure`, so those pages do not stay resident for the rest of the run.
            try db.withoutMemoryMap { try db.transaction {
                try migrator.migrate(db)
                if fresh {
                    try db.run("INSERT INTO archive_info (singleton, archive_id, created_at) VALUES (1, ?, ?)",
                               UUID().uuidString.lowercased(), Timestamp.now())
                }
            } }
        } catch let error as MigrationError {
            switch error {
            case .newerSchema: throw ArchiveError.newerSchema(path: path, reason: error.description)
            default: throw ArchiveError.schemaMismatch(path: path, reason: error.description)
            }
        }
    }

    /// Whether this store still reads the archive at ``path`` as it was checked when opened, so that a store kept
    /// open between requests (the server's readers) reads what a fresh open would: false when the path now names
    /// another file (replaced by a copy, moved away, deleted) or one this process cannot read, when migrations
    /// were applied meanwhile (a newer binary's: a fresh open refuses them), and for a file opened immutable (it
    /// never sees later commits). Commits by other connections and processes need no check: every read
    /// transaction sees the last one (WAL). Costs a `stat`, an `access` and one small query.
    public func isCurrent() -> Bool {
        guard let openedFile, let migrationsApplied, FileID(path) == openedFile, access(path, R_OK) == 0 else { return false }
        return (try? Self.migrationCount(db)) == migrationsApplied
    }

    static func migrationCount(_ db: Database) throws -> Int {
        try db.scalar("SELECT count(*) FROM schema_migrations")
    }

    /// A file's identity: the same (device, inode) is the same file, whatever was written into it.
    struct FileID: Equatable {
        let device: UInt64
        let inode: UInt64
        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
        }
    }

    /// The archive error a lower layer's error stands for, if any: SQLite finding the file damaged
    /// (SQLITE_CORRUPT) wherever it happens, is the archive being damaged, named by its file.
    public static func archiveError(for error: any Error) -> ArchiveError? {
        guard let sqlite = error as? SQLiteError, sqlite.isCorrupt else { return nil }
        return .corrupt(path: sqlite.file ?? "the archive", reason: sqlite.message)
    }

    static func translate(_ error: SQLiteError, path: String) -> Error {
        if error.isNotADatabase { return ArchiveError.notAnArchive(path: path, reason: "the file is not a SQLite database") }
        if error.isCorrupt { return ArchiveError.corrupt(path: path, reason: error.message) }
        if error.isReadOnly { return ArchiveError.readOnly(path: path) }
        if error.isDiskFull { return ArchiveError.diskFull(path: path) }
        if error.isBusy { return ArchiveError.locked(path: path, holder: "the database is busy") }
        return ArchiveError.io(path: path, reason: error.description)
    }

    /// Folds the write-ahead log into the archive file (`PRAGMA wal_checkpoint(TRUNCATE)`), so the file alone
    /// holds every committed snapshot (for copying it with tools that know nothing of the `-wal` file).
    public func checkpoint() throws {
        do {
            try pool.writeWithoutTransaction { try $0.checkpoint() }
        } catch let error as SQLiteError {
            throw Self.translate(error, path: path)
        }
    }

    /// Identity and schema facts for `tts-archive info`.
    public struct Info: Sendable, Equatable {
        public let archiveID: String
        public let createdAt: String
        public let migrations: [String]
        public let sqliteVersion: String
        public let fileBytes: Int64
    }

    public func info() throws -> Info {
        let row = try db.query("SELECT archive_id, created_at FROM archive_info") { (try $0.column(0, as: String.self), try $0.column(1, as: String.self)) }
        guard let (id, created) = row.first else {
            throw ArchiveError.corrupt(path: path, reason: "archive_info has no row")
        }
        let migrations = try db.query("SELECT name FROM schema_migrations ORDER BY name") { try $0.column(0, as: String.self) }
        return Info(archiveID: id, createdAt: created, migrations: migrations,
                    sqliteVersion: Database.libraryVersion, fileBytes: try db.logicalSize())
    }
}
