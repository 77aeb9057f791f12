import Foundation
import SQLiteDB
import TestSupport
import Testing
@testable import ArchiveCore

/// Issue 15 items 5 to 7: damaged archives and files that are not ours.
@Suite struct DamagedAndForeignFileTests {
    let dir: TempDir
    init() throws { dir = try TempDir() }

    func bytes(_ path: String) throws -> Data { try DamagedFiles.bytes(path) }

    /// The files SQLite may leave beside a database.
    func sidecars(_ path: String) -> [String] {
        ["-wal", "-shm", "-journal"].filter { FileManager.default.fileExists(atPath: path + $0) }
    }

    /// The sidecars beside `path` with their modification times: /dev/null is shared with every other process
    /// on the machine (a broken build elsewhere may leave /dev/null-journal), so a test compares, not expects none.
    func sidecarState(_ path: String) -> [String] { DamagedFiles.sidecars(path) }

    /// An archive with two snapshots of 3 models x 2000 words, closed (WAL merged), then one leaf page in the
    /// middle of the words table overwritten (its b-tree header, not the file header).
    func damagedArchive() async throws -> String {
        let path = dir.path("damaged.sqlite")
        do {
            let store = try ArchiveStore(path: path, access: .write)
            let source = Fixtures.largeSource(models: 3, words: 2000)
            _ = try await Snapshotter.run(store: store, source: source)
            source.edit("cccccccc-0000-0000-0000-000000000001") { $0.words = Fixtures.words(2100, prefix: "m1-") }
            _ = try await Snapshotter.run(store: store, source: source)
        }
        try DamagedFiles.damageLeafPage(of: "words", in: path)
        return path
    }

    func expectDamaged(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected the archive to be reported damaged", sourceLocation: sourceLocation)
        } catch let error as ArchiveError {
            guard case .corrupt = error else { Issue.record("wrong error: \(error)", sourceLocation: sourceLocation); return }
            #expect(error.description.hasPrefix("the archive is damaged: "), sourceLocation: sourceLocation)
            // The core says what is wrong; the way out (`archive-backup`, `.recover`) is the front end's (ErrorReporting).
            #expect(!error.description.contains("archive-backup") && !error.description.contains("`"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("not an ArchiveError: \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Item 5: damaged pages

    @Test func checkReportsADamagedPageAsADamagedArchive() async throws {
        let path = try await damagedArchive()
        let store = try ArchiveStore(path: path, access: .read)
        await expectDamaged { _ = try ArchiveChecker(store).run() }
    }

    @Test func noSnapshotIsWrittenIntoADamagedArchive() async throws {
        let path = try await damagedArchive()
        let before = try bytes(path)
        await expectDamaged {
            let store = try ArchiveStore(path: path, access: .write)
            _ = try await Snapshotter.run(store: store, source: Fixtures.largeSource(models: 3, words: 2000))
        }
        #expect(try bytes(path) == before)
    }

    /// SQLite 3.40's quick_check calls the tag table's snapshot column NULL; a sound tagged archive must open.
    @Test func aSoundTaggedArchiveOpensForWriting() async throws {
        let path = dir.path("tagged.sqlite")
        _ = try await Snapshotter.run(store: try ArchiveStore(path: path, access: .write), source: Fixtures.standardSource(),
                                      options: .init(tags: ["nightly"]))
        _ = try await Snapshotter.run(store: try ArchiveStore(path: path, access: .write), source: Fixtures.standardSource())
        #expect(try SnapshotReader(ArchiveStore(path: path, access: .read)).all().count == 2)
    }

    @Test func aReadThatMeetsTheDamageNamesTheArchive() async throws {
        let path = try await damagedArchive()
        let store = try ArchiveStore(path: path, access: .read)
        do {
            for id in try SnapshotReader(store).all().map(\.id) { _ = try SnapshotReader(store).models(in: id) }
            Issue.record("expected SQLITE_CORRUPT")
        } catch {
            let translated = try #require(ArchiveStore.archiveError(for: error))
            guard case .corrupt(let file, _) = translated else { Issue.record("wrong error: \(translated)"); return }
            #expect(file.hasSuffix("/damaged.sqlite"))
        }
    }

    // MARK: Item 6: another application's database

    @Test(arguments: ["delete", "wal"])
    func anotherApplicationsDatabaseIsRefusedUntouched(journal: String) throws {
        let path = dir.path("other-app-\(journal).sqlite")
        do {
            let other = try Database(path: path, writeAheadLog: false)
            try other.execute("PRAGMA journal_mode = \(journal); CREATE TABLE customers (id, name); INSERT INTO customers VALUES (1, 'x')")
        }
        let before = try bytes(path)
        for access in [ArchiveStore.Access.read, .write] {
            do {
                _ = try ArchiveStore(path: path, access: access)
                Issue.record("expected a refusal")
            } catch let error as ArchiveError {
                guard case .notAnArchive = error else { Issue.record("wrong error: \(error)"); continue }
            }
            #expect(try bytes(path) == before, "\(access)")
            #expect(sidecars(path) == [], "\(access)")
        }
    }

    @Test func aDatabaseWithAnotherApplicationIDIsRefusedEvenWithoutTables() throws {
        let path = dir.path("tagged.sqlite")
        try Database(path: path, writeAheadLog: false).execute("PRAGMA application_id = 1234")
        let before = try bytes(path)
        #expect(throws: ArchiveError.notAnArchive(path: path, reason: "it is a SQLite database of another application")) {
            try ArchiveStore(path: path, access: .write)
        }
        #expect(try bytes(path) == before)
    }

    // MARK: Item 7: reading never sets up a schema

    @Test func anEmptyFileIsNotAnArchiveYetToReadersAndBecomesOneForWriters() throws {
        let emptyFile = dir.path("empty")
        _ = FileManager.default.createFile(atPath: emptyFile, contents: nil)
        let emptyDB = dir.path("empty.sqlite")
        try Database(path: emptyDB, writeAheadLog: false).execute("VACUUM")  // a valid header, no tables
        for path in [emptyFile, emptyDB] {
            let before = try bytes(path)
            #expect(throws: ArchiveError.empty(path: path)) { try ArchiveStore(path: path, access: .read) }
            #expect(try bytes(path) == before)
            #expect(sidecars(path) == [])
            #expect(ArchiveError.empty(path: path).description == "\(path) is not an archive yet (it is empty)")
            #expect(try ArchiveStore(path: path, access: .write).info().migrations.count > 0)
        }
    }

    @Test func specialFilesAreRefusedWithoutBeingOpened() throws {
        let fifo = dir.path("fifo"), folder = dir.path("folder")
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for path in ["/dev/null", fifo, folder] {
            for access in [ArchiveStore.Access.read, .write] {
                let before = sidecarState(path)
                do {
                    _ = try ArchiveStore(path: path, access: access)  // a FIFO opened for reading would block here
                    Issue.record("expected a refusal of \(path)")
                } catch let error as ArchiveError {
                    guard case .notAnArchive = error else { Issue.record("wrong error: \(error)"); continue }
                }
                #expect(sidecarState(path) == before, "\(path)")
            }
        }
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
    }
}
