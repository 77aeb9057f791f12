import CSQLite
import Foundation

/// Tells SQLite to copy bound text and blobs (the C macro is not importable into Swift).
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One connection to a SQLite database file.
///
/// Opened with foreign keys on, a busy timeout, and (when writable) WAL journaling so readers never block the
/// nightly writer. Switching to WAL writes the file's header, so a caller that must first make sure the file is
/// its own opens with `writeAheadLog: false`, checks, then calls ``useWriteAheadLog()``; nothing before that
/// writes to the file. Not thread-safe: a connection is used by one task at a time. To share a database between
/// concurrent tasks, hand the connection to a ``DatabasePool`` and go through it.
public final class Database {
    public enum Mode: Sendable {
        case readOnly
        case readWrite
        /// Creates the file (and parent folder) if missing, with mode 0600: archives hold a team's lexicons.
        case readWriteCreate
    }

    let handle: OpaquePointer
    public let path: String
    public let mode: Mode

    /// Process-wide SQLite settings, applied once before the first connection.
    private static let configured: Void = { _ = csqlite_disable_memory_statistics() }()

    public init(path: String, mode: Mode = .readWriteCreate, busyTimeout: Duration = .seconds(5),
                writeAheadLog: Bool = true) throws {
        _ = Database.configured
        self.path = path
        self.mode = mode
        if mode == .readWriteCreate, path != ":memory:" { try Database.createPrivateFile(at: path) }
        var db: OpaquePointer?
        let flags: Int32 = switch mode {
        case .readOnly: SQLITE_OPEN_READONLY
        case .readWrite, .readWriteCreate: SQLITE_OPEN_READWRITE
        }
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(connection: db, code: rc)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        let ms = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(db, Int32(clamping: ms))
        do {
            // The first real read: a file that is not SQLite fails here with SQLITE_NOTADB.
            try execute("PRAGMA foreign_keys = ON")
            // Reads through a memory map instead of a read() copy per page: a diff or restore reads many pages
            // once, and the copies were a tenth of a diff's time. Writes still go through write().
            try execute("PRAGMA mmap_size = \(Self.memoryMapBytes)")
            if writeAheadLog { try useWriteAheadLog() }
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Switches a writable connection to WAL journaling with `synchronous = NORMAL` (a no-op when the file is
    /// already in WAL mode, and on a read-only connection). Writes the file header (bytes 18 and 19) when the
    /// file was in another journal mode.
    public func useWriteAheadLog() throws {
        guard mode != .readOnly else { return }
        let journal = try scalar("PRAGMA journal_mode = WAL", as: String.self)
        if journal.lowercased() != "wal", path != ":memory:" {
            throw SQLiteError(code: SQLITE_ERROR, message: "could not switch to WAL journaling (got \(journal))", file: path)
        }
        try execute("PRAGMA synchronous = NORMAL")
    }

    /// Read-only connections to the same database for other threads, kept with this one (``readers(_:)``).
    private var companions: [Database] = []

    /// `count` read-only connections to this database for other threads, opened on first use and then kept as
    /// long as this one. Closing a connection unmaps the pages it mapped, and the other threads of the process
    /// wait for that: a few milliseconds that a diff, which exits without closing anything, need not spend.
    public func readers(_ count: Int) throws -> [Database] {
        while companions.count < count { companions.append(try Database(path: path, mode: .readOnly)) }
        return Array(companions.prefix(count))
    }

    static let memoryMapBytes = 1 << 30

    /// Runs `body` reading through read() copies instead of the memory map. The map wins when many pages are
    /// read, but each page's first touch in a process is a page fault: a few hundred scattered pages (a small
    /// diff) cost less copied. Such a read touches most pages once, so the page cache shrinks to 256 KiB for
    /// it (the index's inner pages still fit): filling the default 2 MB only grew the heap, a page fault a page.
    public func withoutMemoryMap<T>(_ body: () throws -> T) throws -> T {
        let cacheSize: Int64 = try scalar("PRAGMA cache_size")
        try execute("PRAGMA mmap_size = 0; PRAGMA cache_size = -256")
        defer { try? execute("PRAGMA mmap_size = \(Self.memoryMapBytes); PRAGMA cache_size = \(cacheSize)") }
        return try body()
    }

    /// Creates an empty file with mode 0600 (and its parent folder) unless it exists, so SQLite never creates
    /// the archive with the process umask. WAL and shm files inherit the database file's mode.
    static func createPrivateFile(at path: String) throws {
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: parent) {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create \(path): \(reason)")
        }
    }

    // MARK: Running SQL

    /// Runs one or more statements that return no rows of interest (schema, pragmas).
    public func execute(_ sql: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errmsg)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql,
                              file: SQLiteError.file(of: handle))
        }
    }

    /// Prepares a statement for repeated use.
    public func prepare(_ sql: String) throws -> Statement { try Statement(database: self, sql: sql) }

    /// Runs one statement with bindings to completion.
    public func run(_ sql: String, _ values: DatabaseValueConvertible?...) throws {
        let stmt = try prepare(sql)
        try stmt.bind(values)
        while try stmt.step() {}
    }

    /// The first column of the first row, converted to `T`; throws when there is no row.
    public func scalar<T: DatabaseValueConvertible>(_ sql: String, _ values: DatabaseValueConvertible?..., as type: T.Type = T.self) throws -> T {
        let stmt = try prepare(sql)
        try stmt.bind(values)
        guard try stmt.step() else {
            throw SQLiteError(code: SQLITE_DONE, message: "query returned no row", sql: sql)
        }
        return try stmt.column(0, as: T.self)
    }

    /// Rows mapped by `transform`.
    public func query<T>(_ sql: String, _ values: DatabaseValueConvertible?..., map transform: (Statement) throws -> T) throws -> [T] {
        let stmt = try prepare(sql)
        try stmt.bind(values)
        return try stmt.map(transform)
    }

    public var changes: Int { Int(sqlite3_changes64(handle)) }
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    public enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        /// Takes the write lock at once, so a writer never fails half-way on SQLITE_BUSY.
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Inside an open transaction it nests as a savepoint, with the same all-or-nothing rule.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if isInTransaction {
            let name = "sp\(UInt64.random(in: 0...UInt64.max))"
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body()
                try execute("RELEASE \(name)")
                return result
            } catch {
                try? execute("ROLLBACK TO \(name); RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN \(kind.rawValue)")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: Maintenance

    /// `PRAGMA integrity_check`: an empty array when the file is sound, else SQLite's findings. A page too
    /// damaged to walk throws ``SQLiteError`` with ``SQLiteError/isCorrupt`` instead.
    public func integrityCheck() throws -> [String] {
        let rows = try query("PRAGMA integrity_check") { $0.text(0) ?? "" }
        return rows == ["ok"] ? [] : rows
    }

    /// `PRAGMA quick_check`: the integrity check without matching indexes to their tables, so about three
    /// times faster (every page is still read once). Empty when the file's structure is sound, else SQLite's
    /// findings. "NULL value in TABLE.COLUMN" findings are left out: SQLite 3.40 reports them for sound rows of
    /// WITHOUT ROWID tables (integrity_check does not), and NOT NULL is enforced on every write anyway.
    public func quickCheck() throws -> [String] {
        let rows = try query("PRAGMA quick_check") { $0.text(0) ?? "" }
        return rows.filter { $0 != "ok" && !$0.hasPrefix("NULL value in ") }
    }

    /// A consistent copy of the live database (`VACUUM INTO`), safe while others read, into `destination`,
    /// which must not exist or be an empty regular file (as one made with the wanted mode beforehand). Nothing
    /// at that name is replaced, and a symlink there is refused, not followed.
    public func copy(to destination: String) throws {
        var info = stat()
        if lstat(destination, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG || info.st_size > 0 {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "\(destination) already exists")
        }
        try run("VACUUM INTO ?", destination)
    }

    /// Copies the write-ahead log into the database file and empties it (`PRAGMA wal_checkpoint(TRUNCATE)`), so
    /// the file alone holds everything committed. Must run outside a transaction.
    public func checkpoint() throws {
        try execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// Bytes in use by the database's pages (WAL content included), independent of checkpointing.
    public func logicalSize() throws -> Int64 {
        let pages: Int64 = try scalar("PRAGMA page_count")
        let pageSize: Int64 = try scalar("PRAGMA page_size")
        return pages * pageSize
    }

    public var userVersion: Int {
        get throws { try scalar("PRAGMA user_version") }
    }

    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
