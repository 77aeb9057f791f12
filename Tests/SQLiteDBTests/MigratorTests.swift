import Digest
import Foundation
import TestSupport
import Testing
@testable import SQLiteDB

@Suite struct MigratorTests {
    let dir: TempDir
    init() throws { dir = try TempDir() }

    let m1 = Migration(name: "0001_a", sql: "CREATE TABLE a (x);")
    let m2 = Migration(name: "0002_b", sql: "CREATE TABLE b (y); INSERT INTO a VALUES (1);")

    @Test func appliesInOrderAndRecordsChecksums() throws {
        let db = try Database(path: dir.path("m.sqlite"))
        // Given out of order, applied in name order (0002 inserts into 0001's table).
        let migrator = try Migrator([m2, m1])
        #expect(try migrator.migrate(db) == ["0001_a", "0002_b"])
        let applied = try migrator.applied(in: db)
        #expect(applied.map(\.name) == ["0001_a", "0002_b"])
        #expect(applied.map(\.checksum) == [m1.checksum, m2.checksum])
        #expect(m1.checksum == SHA256.hex(SHA256.hash(m1.sql)))
        #expect(try migrator.migrate(db).isEmpty)
        #expect(try db.scalar("SELECT count(*) FROM a", as: Int.self) == 1)
    }

    @Test func failedMigrationLeavesNothingBehind() throws {
        let db = try Database(path: dir.path("m.sqlite"))
        let bad = Migration(name: "0002_bad", sql: "CREATE TABLE half (z); SELECT nonsense FROM nowhere;")
        #expect(throws: SQLiteError.self) { try Migrator([m1, bad]).migrate(db) }
        // 0001 committed in its own transaction, 0002 rolled back whole.
        #expect(try Migrator([m1, bad]).applied(in: db).map(\.name) == ["0001_a"])
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'half'", as: Int.self) == 0)
    }

    @Test func refusesNewerSchema() throws {
        let db = try Database(path: dir.path("m.sqlite"))
        try Migrator([m1, m2]).migrate(db)
        #expect(throws: MigrationError.newerSchema(unknown: ["0002_b"])) { try Migrator([m1]).migrate(db) }
    }

    @Test func refusesAlteredMigration() throws {
        let db = try Database(path: dir.path("m.sqlite"))
        try Migrator([m1]).migrate(db)
        let edited = Migration(name: "0001_a", sql: "CREATE TABLE a (x, extra);")
        do {
            try Migrator([edited]).migrate(db)
            Issue.record("expected a refusal")
        } catch let error as MigrationError {
            guard case .altered(let name, _, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(name == "0001_a")
            #expect(error.description.contains("altered"))
        }
    }

    @Test func refusesGapsAndBadNames() throws {
        let db = try Database(path: dir.path("m.sqlite"))
        let standalone = Migration(name: "0002_c", sql: "CREATE TABLE c (z);")
        try Migrator([standalone]).migrate(db)
        // The database skipped 0001_a: a different history, refused rather than patched over.
        #expect(throws: MigrationError.outOfOrder(applied: ["0002_c"], expected: ["0001_a", "0002_c"])) {
            try Migrator([m1, standalone]).pending(in: db)
        }
        #expect(throws: MigrationError.badName("bad-name")) { try Migrator([Migration(name: "bad-name", sql: "")]) }
        // A gap of index-only migrations is not another history: they are applied late (a read-only archive is
        // used without them, and a later migration may have been applied since).
        let index = Migration(name: "0001_b", sql: "CREATE INDEX c_z ON c (z);")
        #expect(try Migrator([index, standalone]).pending(in: db) == [index])
        #expect(try Migrator([index, standalone]).migrate(db) == ["0001_b"])
        #expect(try Migrator([index, standalone]).pending(in: db).isEmpty)
        for bad in ["001_x", "0001_", "0001-x", "0001_a-b", "0001_\u{E9}", "a001_x", "0001x"] {
            #expect(throws: MigrationError.badName(bad)) { try Migrator([Migration(name: bad, sql: "")]) }
        }
        #expect(throws: Never.self) { try Migrator([Migration(name: "0001_Archive_info2", sql: "")]) }
    }
}
