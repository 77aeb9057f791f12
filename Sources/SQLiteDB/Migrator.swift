import Basics
import Digest
import Foundation

/// One schema step: a `NNNN_name` and its SQL text. The checksum (SHA-256 of the text) is recorded when it is
/// applied, so an archive notices if the migration it was built with was later edited.
public struct Migration: Sendable, Equatable {
    public let name: String
    public let sql: String
    /// Computed once: every open of a database checks every recorded migration against it.
    public let checksum: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        checksum = SHA256.hex(SHA256.hash(sql))
    }

    /// Whether a database that cannot be written may be used without this migration: it only creates indexes, or
    /// its text says so in a comment line starting `-- Readers may skip this migration` (a change that only
    /// allows values an older database cannot hold, such as a widened CHECK, or that adds tables whose readers take
    /// them as empty when missing).
    public var readersMaySkip: Bool {
        onlyCreatesIndexes || sql.split(separator: "\n").contains { $0.hasPrefix("-- Readers may skip this migration") }
    }

    /// Whether every statement creates an index: such a migration changes speed, never what is stored or read,
    /// so a database that cannot be written may be used without it.
    public var onlyCreatesIndexes: Bool {
        let code = sql.split(separator: "\n").filter { !$0.trimmingPrefix(while: \.isWhitespace).hasPrefix("--") }.joined(separator: "\n")
        let statements = code.split(separator: ";").map { $0.trimmingPrefix(while: \.isWhitespace) }.filter { !$0.isEmpty }
        return !statements.isEmpty && statements.allSatisfy { $0.uppercased().hasPrefix("CREATE INDEX ") }
    }
}

/// Why a database cannot be brought to (or used at) the schema this binary knows.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    /// The database has migrations this binary does not know: it was written by a newer tts-archive.
    case newerSchema(unknown: [String])
    /// An applied migration's text differs from the one in this binary.
    case altered(name: String, recorded: String, expected: String)
    /// Applied migrations are not a prefix of the known list (a gap, or a different history).
    case outOfOrder(applied: [String], expected: [String])
    case badName(String)
    /// The schema is older than the binary and the database was opened read-only.
    case upgradeNeedsWrite(pending: [String])

    public var description: String {
        switch self {
        case .newerSchema(let unknown):
            "the database was written by a newer version (unknown migrations: \(unknown.joined(separator: ", ")))"
        case .altered(let name, let recorded, let expected):
            "migration \(name) was altered after it was applied (recorded checksum \(recorded.prefix(12)), this binary has \(expected.prefix(12)))"
        case .outOfOrder(let applied, let expected):
            "applied migrations [\(applied.joined(separator: ", "))] do not match this binary's order [\(expected.joined(separator: ", "))]"
        case .badName(let name):
            "migration name \(name) is not of the form NNNN_name"
        case .upgradeNeedsWrite(let pending):
            "the database needs a schema upgrade (\(pending.joined(separator: ", "))) but was opened read-only"
        }
    }
}

/// Applies migrations in order, each in its own transaction, and records name, checksum and time in
/// `schema_migrations`. Refuses databases from a newer binary and databases whose applied text was altered.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    static let table = "schema_migrations"

    public init(_ migrations: [Migration]) throws {
        for m in migrations where !Self.isValidName(m.name) {
            throw MigrationError.badName(m.name)
        }
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    /// `NNNN_name`: four digits, an underscore, then letters, digits and underscores. Checked by hand: compiling
    /// a regular expression cost every command ~1 ms of start-up.
    static func isValidName(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard b.count > 5, b[0..<4].allSatisfy({ (0x30...0x39).contains($0) }), b[4] == UInt8(ascii: "_") else { return false }
        return b[5...].allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "_") }
    }

    public struct Applied: Equatable, Sendable {
        public let name: String
        public let checksum: String
        public let appliedAt: String
    }

    /// What the database records as applied, in apply order.
    public func applied(in db: Database) throws -> [Applied] {
        let exists: Int = try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", Self.table)
        guard exists > 0 else { return [] }
        return try db.query("SELECT name, checksum, applied_at FROM \(Self.table) ORDER BY name") {
            Applied(name: try $0.column(0), checksum: try $0.column(1), appliedAt: try $0.column(2))
        }
    }

    /// Validates the recorded history against this binary's migrations; returns those still to apply.
    public func pending(in db: Database) throws -> [Migration] {
        let applied = try applied(in: db)
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        let unknown = applied.map(\.name).filter { known[$0] == nil }
        if !unknown.isEmpty { throw MigrationError.newerSchema(unknown: unknown) }
        for record in applied {
            let expected = known[record.name]!.checksum
            if record.checksum != expected {
                throw MigrationError.altered(name: record.name, recorded: record.checksum, expected: expected)
            }
        }
        let prefix = migrations.prefix(applied.count).map(\.name)
        if prefix != applied.map(\.name) {
            throw MigrationError.outOfOrder(applied: applied.map(\.name), expected: migrations.map(\.name))
        }
        return Array(migrations.dropFirst(applied.count))
    }

    /// Brings the database to the newest schema. Returns the names applied by this call.
    @discardableResult
    public func migrate(_ db: Database) throws -> [String] {
        var done: [String] = []
        for migration in try pending(in: db) {
            try db.transaction(.immediate) {
                // Re-check inside the write lock: a concurrent process may have applied it meanwhile.
                guard try !applied(in: db).contains(where: { $0.name == migration.name }) else { return }
                try db.execute("""
                    CREATE TABLE IF NOT EXISTS \(Self.table) (
                        name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)
                    """)
                try db.execute(migration.sql)
                try db.run("INSERT INTO \(Self.table) (name, checksum, applied_at) VALUES (?, ?, ?)",
                           migration.name, migration.checksum, Timestamp.now())
                done.append(migration.name)
            }
        }
        return done
    }
}
