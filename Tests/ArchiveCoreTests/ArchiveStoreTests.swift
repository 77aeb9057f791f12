import ArchiveSchema
import Foundation
import SQLiteDB
import TestSupport
import Testing
@testable import ArchiveCore

@Suite struct ArchiveStoreTests {
    let dir: TempDir
    init() throws { dir = try TempDir() }

    @Test func writersCreateReadersRequire() throws {
        let path = dir.path("sub/folder/archive.sqlite")
        #expect(throws: ArchiveError.missing(path: path)) { try ArchiveStore(path: path, access: .read) }
        let store = try ArchiveStore(path: path, access: .write)
        let info = try store.info()
        #expect(info.migrations == ArchiveSchema.migrations.map(\.name))
        #expect(info.archiveID.count == 36)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        // Reopening keeps the identity: nothing is re-applied.
        #expect(try ArchiveStore(path: path, access: .read).info() == info)
    }

    @Test func refusesFilesThatAreNotArchives() throws {
        let junk = dir.path("junk")
        try Data("hello, not sqlite at all".utf8 + [UInt8](repeating: 7, count: 5000)).write(to: URL(fileURLWithPath: junk))
        #expect(throws: ArchiveError.notAnArchive(path: junk, reason: "the file is not a SQLite database")) {
            try ArchiveStore(path: junk, access: .write)
        }
        let foreign = dir.path("foreign.sqlite")
        try Database(path: foreign).execute("CREATE TABLE customers (id)")
        #expect(throws: ArchiveError.self) { try ArchiveStore(path: foreign, access: .write) }
        // ...and leaves it untouched.
        let tables = try Database(path: foreign, mode: .readOnly).query("SELECT name FROM sqlite_master") { $0.text(0) }
        #expect(tables == ["customers"])
    }

    @Test func refusesNewerSchemaWithoutChangingIt() throws {
        let path = dir.path("a.sqlite")
        _ = try ArchiveStore(path: path, access: .write)
        try Database(path: path).run("INSERT INTO schema_migrations VALUES ('9999_future', 'x', 'now')")
        do {
            _ = try ArchiveStore(path: path, access: .read)
            Issue.record("expected refusal")
        } catch let error as ArchiveError {
            guard case .newerSchema = error else { Issue.record("wrong error: \(error)"); return }
            #expect(error.description.contains("newer version"))
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root ignores file modes; scripts/reliability covers this with a read-only mount"))
    func readOnlyArchiveCanBeReadNotWritten() throws {
        let path = dir.path("ro.sqlite")
        _ = try ArchiveStore(path: path, access: .write)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
        #expect(throws: ArchiveError.readOnly(path: path)) { try ArchiveStore(path: path, access: .write) }
        #expect(try ArchiveStore(path: path, access: .read).info().migrations.count == ArchiveSchema.migrations.count)
    }

    /// A store kept open (the server's readers) is current while a fresh open would read the same: commits by
    /// other connections keep it current; another file at the path, no file, or a migration applied since do not.
    @Test func aStoreIsCurrentWhileAFreshOpenWouldReadTheSame() throws {
        let path = dir.path("kept.sqlite")
        _ = try ArchiveStore(path: path, access: .write)
        let kept = try ArchiveStore(path: path, access: .read)
        #expect(kept.isCurrent())
        try Database(path: path).run("UPDATE archive_info SET created_at = '2026-01-01T00:00:00Z'")
        #expect(kept.isCurrent())

        let moved = dir.path("moved.sqlite")
        #expect(rename(path, moved) == 0)
        #expect(!kept.isCurrent())
        #expect(rename(moved, path) == 0)
        #expect(kept.isCurrent())
        let other = dir.path("other.sqlite")
        _ = try ArchiveStore(path: other, access: .write)
        #expect(rename(other, path) == 0)
        #expect(!kept.isCurrent())

        let fresh = try ArchiveStore(path: path, access: .read)
        #expect(fresh.isCurrent())
        try Database(path: path).run("INSERT INTO schema_migrations VALUES ('9999_future', 'x', 'now')")
        #expect(!fresh.isCurrent())
    }

    /// The immutable fallback for archives on read-only file systems must address the same file whatever its
    /// name holds (`?`, `%`, `#` and non-ASCII are URI syntax or need escaping).
    @Test func immutableURIOpensTheSameFile() throws {
        let path = dir.path("odd ?name%25#ä.sqlite")
        let id = try ArchiveStore(path: path, access: .write).info().archiveID  // closed: WAL merged into the file
        let db = try Database(path: ArchiveStore.immutableURI(path), mode: .readOnly)
        #expect(try db.scalar("SELECT archive_id FROM archive_info", as: String.self) == id)
    }

    @Test func embeddedMigrationsMatchTheMigrationsFolder() throws {
        // The binary's copy must be exactly the text in migrations/, in order.
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(ArchiveSchema.migrations.map(\.name) == files.map { String($0.dropLast(4)) })
        for (embedded, file) in zip(ArchiveSchema.migrations, files) {
            let text = try String(contentsOf: folder.appending(path: file), encoding: .utf8)
            #expect(embedded.sql == text)
        }
        let db = try Database(path: dir.path("archive.sqlite"))
        let applied = try Migrator(ArchiveSchema.migrations.map { Migration(name: $0.name, sql: $0.sql) }).migrate(db)
        #expect(applied.count == files.count)
    }
}
