import ArchiveSchema
import Foundation
import SQLiteDB
import TestSupport
import Testing
@testable import ArchiveCore

/// Migration 0006 (a cancelled restore run has the status `cancelled`): an archive written before it keeps every
/// journal row and its run counter, accepts the new status after it, and is still read where it cannot be written.
@Suite struct RestoreJournalMigrationTests {
    /// An archive at migration 0005 with two runs (a third was deleted, so the counter is ahead of the ids), a
    /// model row of each and a rejection.
    func archiveBefore0006(_ path: String) throws {
        let db = try Database(path: path)
        let before = ArchiveSchema.migrations.prefix { $0.name < "0006" }.map { Migration(name: $0.name, sql: $0.sql) }
        #expect(before.count == 5)
        try db.transaction {
            _ = try Migrator(before).migrate(db)
            try db.run("INSERT INTO archive_info (singleton, archive_id, created_at) VALUES (1, 'old', '2026-01-01T00:00:00.000Z')")
            for (id, status) in [(1, "complete"), (2, "failed"), (3, "running")] {
                try db.run("INSERT INTO restore_runs (id, snapshot, target, started_at, status, options) VALUES (?, 1, 'http://t', 'x', ?, '{}')",
                           id, status)
                try db.run("""
                    INSERT INTO restore_models (run, source_id, action, word_count, status) VALUES (?, 'aaaaaaaa-0000-0000-0000-000000000001', 'create', 5, 'done')
                    """, id)
            }
            try db.run("INSERT INTO restore_rejections (run, source_id, word, message) VALUES (2, 'aaaaaaaa-0000-0000-0000-000000000001', 'w', 'refused')")
            try db.run("DELETE FROM restore_runs WHERE id = 3")
        }
    }

    @Test func runsModelsRejectionsAndTheRunCounterSurviveAndCancelledIsAccepted() throws {
        let dir = try TempDir()
        let path = dir.path("old.sqlite")
        try archiveBefore0006(path)
        let store = try ArchiveStore(path: path, access: .write)
        let db = store.db
        #expect(try db.query("SELECT id, status FROM restore_runs ORDER BY id") { "\($0.int64(0)) \($0.text(1) ?? "")" } == ["1 complete", "2 failed"])
        #expect(try db.scalar("SELECT count(*) FROM restore_models", as: Int.self) == 2)  // run 3's went with it
        #expect(try db.scalar("SELECT count(*) FROM restore_rejections WHERE run = 2", as: Int.self) == 1)
        try db.run("INSERT INTO restore_runs (snapshot, target, started_at, status, options) VALUES (1, 'http://t', 'x', 'cancelled', '{}')")
        #expect(db.lastInsertRowID == 4)  // not 3: a deleted run's id is not reused
        #expect(try db.query("PRAGMA foreign_key_check") { $0.text(0) ?? "" }.isEmpty)
        // The children still cascade from the runs table (their references followed the rename).
        try db.run("DELETE FROM restore_runs WHERE id = 2")
        #expect(try db.scalar("SELECT count(*) FROM restore_models WHERE run = 2", as: Int.self) == 0)
        #expect(try db.scalar("SELECT count(*) FROM restore_rejections", as: Int.self) == 0)
        #expect(try RestoreJournal(store).unfinished(snapshot: 1, target: "http://t") == 4)
        let indexes = try db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'restore%' AND sql IS NOT NULL ORDER BY name") { $0.text(0) ?? "" }
        #expect(indexes == ["restore_models_by_target", "restore_runs_unfinished"])
    }

    @Test func anArchiveBeforeItIsStillReadWhereItCannotBeWritten() throws {
        let dir = try TempDir()
        let path = dir.path("old.sqlite")
        try archiveBefore0006(path)
        let db = try Database(path: path, mode: .readOnly)
        try ArchiveStore.migrate(db, path: path)  // not refused as read-only: 0006 may be skipped by readers
        #expect(try db.scalar("SELECT count(*) FROM restore_runs", as: Int.self) == 2)
    }
}
