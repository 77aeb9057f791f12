import Foundation
import TestSupport
import Testing
@testable import SQLiteDB

@Suite struct DatabaseTests {
    let dir: TempDir
    let db: Database

    init() throws {
        dir = try TempDir()
        db = try Database(path: dir.path("t.sqlite"))
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, i INTEGER, r REAL, b BLOB)")
    }

    @Test(arguments: ["", "plain", "ＮＹ", "ニューヨーク", "😀 astral", "TCP/IP & 50% ? #", "nul\u{0}inside", "<phoneme alphabet=\"ipa\" ph=\"təmˈɑto\"></phoneme>"])
    func textRoundTripsByteExactly(_ text: String) throws {
        try db.run("INSERT INTO t (s) VALUES (?)", text)
        let back: String = try db.scalar("SELECT s FROM t WHERE id = ?", db.lastInsertRowID)
        #expect(Array(back.utf8) == Array(text.utf8))
        // The empty string must stay text, not turn into NULL.
        let isNull: Bool = try db.scalar("SELECT s IS NULL FROM t WHERE id = ?", db.lastInsertRowID)
        #expect(!isNull)
    }

    @Test func typedValuesRoundTrip() throws {
        let blob: [UInt8] = [0, 1, 2, 255]
        try db.run("INSERT INTO t (s, i, r, b) VALUES (?, ?, ?, ?)", "x", Int64.max, 2.5, blob)
        let stmt = try db.prepare("SELECT s, i, r, b FROM t")
        #expect(try stmt.step())
        #expect(try stmt.column(0, as: String.self) == "x")
        #expect(try stmt.column(1, as: Int64.self) == Int64.max)
        #expect(try stmt.column(2, as: Double.self) == 2.5)
        #expect(try stmt.column(3, as: [UInt8].self) == blob)
        #expect(try !stmt.step())
    }

    @Test func nullReadsAsNilOnlyForOptionals() throws {
        try db.run("INSERT INTO t (s, i) VALUES (?, ?)", String?.none, Int?.none)
        let stmt = try db.prepare("SELECT s, i FROM t")
        #expect(try stmt.step())
        #expect(stmt.isNull(0))
        #expect(stmt.text(0) == nil)
        #expect(try stmt.column(0, as: String?.self) == nil)
        #expect(try stmt.column(1, as: Int?.self) == nil)
        #expect(throws: SQLiteError.self) { try stmt.column(0, as: String.self) }
    }

    @Test func namedParametersAndReuse() throws {
        let insert = try db.prepare("INSERT INTO t (s, i) VALUES (:s, :i)")
        for n in 0..<3 {
            insert.reset()
            try insert.bind("n\(n)", named: ":s")
            try insert.bind(n, named: ":i")
            while try insert.step() {}
        }
        #expect(try db.query("SELECT s FROM t ORDER BY i") { $0.text(0) } == ["n0", "n1", "n2"])
        #expect(throws: SQLiteError.self) { try insert.bind(1, named: ":missing") }
    }

    @Test func transactionRollsBackOnThrow() throws {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t (s) VALUES ('a')")
                throw Boom()
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t", as: Int.self) == 0)
        #expect(!db.isInTransaction)
    }

    @Test func nestedTransactionRollsBackOnlyItsPart() throws {
        struct Boom: Error {}
        try db.transaction {
            try db.run("INSERT INTO t (s) VALUES ('outer')")
            try? db.transaction {
                try db.run("INSERT INTO t (s) VALUES ('inner')")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT s FROM t") { $0.text(0) } == ["outer"])
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        try db.execute("CREATE TABLE u (k TEXT PRIMARY KEY)")
        try db.run("INSERT INTO u VALUES ('a')")
        do {
            try db.run("INSERT INTO u VALUES ('a')")
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.isConstraint)
            #expect(error.message.contains("UNIQUE"))
            #expect(error.sql == "INSERT INTO u VALUES ('a')")
            #expect(!error.description.contains("\n"))
        }
        #expect(throws: SQLiteError.self) { try db.prepare("SELEKT 1") }
    }

    @Test func pragmasAreSet() throws {
        #expect(try db.scalar("PRAGMA journal_mode", as: String.self) == "wal")
        #expect(try db.scalar("PRAGMA foreign_keys", as: Int.self) == 1)
    }

    @Test func newFileIsPrivate() throws {
        let path = dir.path("nested/deeper/new.sqlite")
        _ = try Database(path: path)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
    }

    @Test func notADatabaseIsReportedAsSuch() throws {
        let path = dir.path("junk.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Database(path: path, mode: .readWrite)
            Issue.record("expected an error")
        } catch let error as SQLiteError {
            #expect(error.isNotADatabase)
        }
    }

    @Test func readOnlyRefusesWrites() throws {
        let path = dir.path("ro.sqlite")
        try Database(path: path).execute("CREATE TABLE x (a)")
        let ro = try Database(path: path, mode: .readOnly)
        do {
            try ro.execute("INSERT INTO x VALUES (1)")
            Issue.record("expected an error")
        } catch let error as SQLiteError {
            #expect(error.isReadOnly)
        }
    }

    @Test func busyTimeoutThenBusyError() throws {
        let path = dir.path("busy.sqlite")
        let a = try Database(path: path)
        try a.execute("CREATE TABLE x (a)")
        let b = try Database(path: path, busyTimeout: .milliseconds(50))
        try a.execute("BEGIN IMMEDIATE")
        do {
            try b.execute("BEGIN IMMEDIATE")
            Issue.record("expected SQLITE_BUSY")
        } catch let error as SQLiteError {
            #expect(error.isBusy)
        }
        try a.execute("COMMIT")
    }

    /// Bytes 18 and 19 of the header say rollback journal (1) or WAL (2): switching writes them.
    static func journalBytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path))[18...19])
    }

    @Test func openingWithoutWALWritesNothingUntilAskedTo() throws {
        let path = dir.path("other-app.sqlite")
        try Database(path: path, writeAheadLog: false).execute("CREATE TABLE customers (id)")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try Self.journalBytes(path) == [1, 1])
        let db = try Database(path: path, mode: .readWrite, writeAheadLog: false)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master", as: Int.self) == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        try db.useWriteAheadLog()
        #expect(try db.scalar("PRAGMA journal_mode", as: String.self) == "wal")
        #expect(try Self.journalBytes(path) == [2, 2])
    }

    @Test func aDamagedPageIsReportedAsCorruptNamingTheFile() throws {
        let path = dir.path("damaged.sqlite")
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE w (id INTEGER PRIMARY KEY, s TEXT)")
        try writer.transaction { for i in 0..<2000 { try writer.run("INSERT INTO w (s) VALUES (?)", "row \(i) padded to fill pages") } }
        try writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try DamagedFiles.damageLeafPage(of: "w", in: path)
        let db = try Database(path: path, mode: .readOnly)
        do {
            _ = try db.query("SELECT s FROM w") { $0.text(0) }
            Issue.record("expected SQLITE_CORRUPT")
        } catch let error as SQLiteError {
            #expect(error.isCorrupt)
            #expect(error.file?.hasSuffix("/damaged.sqlite") == true)
        }
        #expect(throws: SQLiteError.self) { try db.quickCheck() }
    }

    @Test func copyNeverWritesThroughASymlink() throws {
        try db.run("INSERT INTO t (s) VALUES ('kept')")
        let dangling = dir.path("dangling"), target = dir.path("elsewhere.sqlite")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: target)
        #expect(throws: SQLiteError.self) { try db.copy(to: dangling) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func integrityCheckAndCopy() throws {
        try db.run("INSERT INTO t (s) VALUES ('kept')")
        #expect(try db.integrityCheck().isEmpty)
        #expect(try db.quickCheck().isEmpty)
        // SQLite 3.40's quick_check calls this sound NOT NULL column of a WITHOUT ROWID table NULL.
        try db.execute("CREATE TABLE tags (n INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (tag, n)) WITHOUT ROWID")
        try db.run("INSERT INTO tags VALUES (1, 'nightly')")
        #expect(try db.quickCheck().isEmpty)
        let copyPath = dir.path("copy.sqlite")
        try db.copy(to: copyPath)
        let copy = try Database(path: copyPath, mode: .readOnly)
        #expect(try copy.scalar("SELECT s FROM t", as: String.self) == "kept")
        #expect(throws: SQLiteError.self) { try db.copy(to: copyPath) }
    }
}
