import ArchiveCore
import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSEmulator
@testable import ArchiveServer

/// Reads go through archive stores kept open between requests (``ReadStores``): each answer is still what a
/// fresh open of the archive would read.
@Suite struct ReadStoreTests {
    /// Takes one snapshot through the API and lists it, so that a store is kept.
    static func snapshotAndList(_ h: Harness) async throws {
        _ = try h.source.generate(GeneratorSpec(models: 2, words: 40, seed: 5))
        let id = try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String)
        #expect(try await h.finished(id).json["status"] as? String == "Succeeded")
        #expect(try await ids(h) == [1])
    }

    static func ids(_ h: Harness, _ query: String = "") async throws -> [Int]? {
        let answer = try await h.call(.GET, "/v1/snapshots\(query)")
        #expect(answer.status == 200, "\(answer.text)")
        return (answer.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
    }

    /// Puts a text file where the archive was. Nothing is left in the write-ahead log first: SQLite would read its
    /// pages over any file put at the path.
    static func replaceWithJunk(_ h: Harness) throws {
        try ArchiveStore(path: h.archive, access: .write).checkpoint()
        let junk = h.dir.path("junk")
        try Data("not a database at all, just text".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(rename(junk, h.archive) == 0)
    }

    @Test func aKeptStoreReadsWhatAnotherConnectionCommitted() async throws {
        try await Harness.with { h in
            try await Self.snapshotAndList(h)
            let opened = h.server.readers.opened
            // A change committed through a connection of its own (as the CLI's `tag` commits it).
            let other = try ArchiveStore(path: h.archive, access: .write)
            try ArchiveMaintenance(other).addTags(["elsewhere"], to: 1)
            #expect(try await Self.ids(h, "?tag=elsewhere") == [1])
            #expect(try await Self.ids(h) == [1])
            #expect(h.server.readers.opened == opened)  // read through the kept store
        }
    }

    /// The diff resolves its sides through the kept stores too, and a replaced archive answers its error there.
    @Test func theDiffReadsThroughTheKeptStores() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 40, seed: 5))
            for night in 0..<2 {
                if night > 0 { _ = h.source.applyNight(seed: 3) }
                #expect(try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String)).status == 200)
            }
            #expect(h.server.readers.opened == 0)  // nothing read yet
            for _ in 0..<3 { #expect(try await h.call(.GET, "/v1/diff?from=latest~1&to=latest").status == 200) }
            #expect(try await h.call(.GET, "/v1/diff?from=latest&to=live").status == 200)
            #expect(h.server.readers.opened == 1)  // one store, opened by the first diff and kept
            try Self.replaceWithJunk(h)
            let replaced = try await h.call(.GET, "/v1/diff?from=1&to=2")
            #expect(replaced.status == 500)
            #expect(replaced.error["code"] as? String == "archive_unusable")
        }
    }

    /// A snapshot taken by the CLI (another process) while the server runs is listed by the next request.
    @Test(.enabled(if: serveBinary != nil, "needs the built tts-archive binary"))
    func aSnapshotByTheCLIIsListedByTheNextRequest() async throws {
        try await Harness.with { h in
            try await Self.snapshotAndList(h)
            let opened = h.server.readers.opened
            _ = h.source.applyNight(seed: 2)
            let url = try #require(h.source.baseURL).absoluteString
            let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                // On a thread of its own: the CLI asks this process's emulator, which needs the cooperative threads.
                Thread.detachNewThread {
                    continuation.resume(with: Result {
                        let cli = Process()
                        cli.executableURL = URL(fileURLWithPath: serveBinary!)
                        cli.arguments = ["snapshot", "--archive", h.archive, "--url", url, "--auth-type", "noAuth"]
                        cli.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "IBM_CREDENTIALS_FILE": "/nonexistent"]
                        cli.standardOutput = FileHandle.nullDevice
                        try cli.run()
                        cli.waitUntilExit()
                        return cli.terminationStatus
                    })
                }
            }
            #expect(status == 0)
            #expect(try await Self.ids(h) == [2, 1])
            #expect(h.server.readers.opened == opened)
        }
    }

    /// The archive's path given another archive (a backup copied into place) is read afresh, not through the
    /// store kept on the file it replaced.
    @Test func anArchiveReplacedByAnotherIsReadAfresh() async throws {
        try await Harness.with { h in
            try await Self.snapshotAndList(h)
            let replacement = h.dir.path("replacement.sqlite")
            _ = try ArchiveStore(path: replacement, access: .write)  // an archive with no snapshots
            // Nothing left in the write-ahead log: SQLite would read its pages over any file put at the path.
            try ArchiveStore(path: h.archive, access: .write).checkpoint()
            #expect(rename(replacement, h.archive) == 0)
            #expect(try await Self.ids(h) == [])
        }
    }

    /// An archive moved away, or replaced by a file that is not an archive: the next read is the one JSON error
    /// a fresh open gives (500 `archive_unusable`, naming the file), not an answer from the kept store.
    @Test func anArchiveGoneOrReplacedByJunkIsAClearError() async throws {
        try await Harness.with { h in
            try await Self.snapshotAndList(h)
            let away = h.dir.path("moved.sqlite")
            #expect(rename(h.archive, away) == 0)
            let gone = try await h.call(.GET, "/v1/snapshots")
            #expect(gone.status == 500)
            #expect(gone.error["code"] as? String == "archive_unusable")
            #expect((gone.error["message"] as? String)?.contains(h.archive) == true, "\(gone.text)")
            #expect(rename(away, h.archive) == 0)
            #expect(try await Self.ids(h) == [1])  // the same file back

            try Self.replaceWithJunk(h)
            let replaced = try await h.call(.GET, "/v1/snapshots")
            #expect(replaced.status == 500)
            #expect(replaced.error["code"] as? String == "archive_unusable")
            #expect((replaced.error["message"] as? String)?.contains("not a tts-archive archive") == true, "\(replaced.text)")
            #expect(try await h.call(.GET, "/v1/snapshots/latest").status == 500)
        }
    }

    /// A migration applied meanwhile by a newer binary is refused as a fresh open refuses it, not read past.
    @Test func aMigrationByANewerBinaryIsNotReadPast() async throws {
        try await Harness.with { h in
            try await Self.snapshotAndList(h)
            let db = try Database(path: h.archive, mode: .readWrite)
            try db.run("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('9999_from_the_future', 'x', '2099-01-01T00:00:00Z')")
            let answer = try await h.call(.GET, "/v1/snapshots")
            #expect(answer.status == 500)
            #expect(answer.error["code"] as? String == "archive_unusable")
            #expect((answer.error["message"] as? String)?.contains("9999_from_the_future") == true, "\(answer.text)")
        }
    }
}
