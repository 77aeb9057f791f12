@testable import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSEmulator

/// The CLI and running jobs (issue 16, parts 3 and 4): SIGINT and SIGTERM cancel a held snapshot (one line, exit
/// 130, nothing recorded), and `tag` writes next to a snapshot that holds the archive's lock. Points in the run are
/// requests the emulator holds, never times.
@Suite(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
struct JobSignalTests {
    /// Runs the CLI until `hold` holds its request, sends `signal`, and returns its exit status and stderr.
    func signalWhileHeld(_ arguments: [String], at hold: RequestHold, signal: Int32, dir: TempDir) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cliBinary!)
        process.arguments = arguments
        process.environment = ["HOME": dir.path("home"), "PATH": "/usr/bin:/bin"]
        let errURL = dir.url.appending(path: "stderr-\(signal)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        let first = FirstOutcome()
        process.terminationHandler = { _ in first.resolve(false) }
        try process.run()
        Task { await hold.reached(); first.resolve(true) }
        let reached = await first.value
        #expect(reached, "the run ended before it reached the held request")
        if reached { kill(process.processIdentifier, signal) }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { process.waitUntilExit(); c.resume() }
        }
        await hold.release()
        try err.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    @Test(arguments: [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")])
    func aSignalCancelsASnapshotWithOneLineAndExit130(signal: Int32, name: String) async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 4, words: 2000, seed: 5))
            let first = try await live.snapshot()
            _ = live.server.applyNight(seed: 1)
            func rows() throws -> [Int] {
                try ["snapshots", "models", "model_states", "words"].map { try live.store.db.scalar("SELECT count(*) FROM \($0)", as: Int.self) }
            }
            let before = try rows()
            // The third get-model: two models fetched and compared with the archive.
            let hold = live.server.faults.hold("GET", .prefix("/v1/customizations/"), skip: 2)
            let (status, stderr) = try await signalWhileHeld(
                ["snapshot", "--archive", live.store.path, "--url", live.url.absoluteString, "--auth-type", "noAuth", "--concurrency", "1"],
                at: hold, signal: signal, dir: live.dir)
            #expect(status == 130)
            #expect(stderr == "tts-archive: error: cancelled by \(name): nothing recorded\n")
            #expect(try SnapshotReader(live.store).all().map(\.id) == [first.snapshotID])
            #expect(try rows() == before)
        }
    }

    /// A restore interrupted while a batch waits: its run is `cancelled`, and the same command resumes it to the
    /// end, no model created twice.
    @Test func aSignalCancelsARestoreResumablyByTheSameCommand() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 4, words: 400, seed: 7))
            _ = try await live.snapshot()
            let target = EmulatorServer(configuration: EmulatorConfiguration())
            let targetURL = try await target.start()
            let arguments = ["restore", "latest", "--archive", live.store.path, "--to-url", targetURL.absoluteString,
                             "--auth-type", "noAuth", "--concurrency", "1", "--batch-size", "40"]
            let hold = target.faults.hold("POST", .suffix("/words"), skip: 3)
            let (status, stderr) = try await signalWhileHeld(arguments, at: hold, signal: SIGINT, dir: live.dir)
            #expect(status == 130)
            #expect(stderr == "tts-archive: error: cancelled by SIGINT: the restore can be resumed by running the same command\n")
            #expect(try RestoreRunSummary.all(in: ArchiveStore(path: live.store.path, access: .read)).map(\.status) == [.cancelled])
            let again = try await CLI(dir: live.dir).runDetached(arguments)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(target.defaultInstance.counts.models == 4)
            #expect(try RestoreRunSummary.all(in: ArchiveStore(path: live.store.path, access: .read)).map(\.status) == [.complete])
            await target.stop()
        }
    }

    /// A later sync interrupted while an add-words waits: exit 130, its run `cancelled`, and the same command
    /// finishes it, no model created twice.
    @Test func aSignalCancelsASyncResumablyByTheSameCommand() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 4, words: 400, seed: 8))
            _ = try await live.snapshot()
            let target = EmulatorServer(configuration: EmulatorConfiguration())
            let targetURL = try await target.start()
            let arguments = ["sync", "latest", "--archive", live.store.path, "--to-url", targetURL.absoluteString,
                             "--auth-type", "noAuth", "--concurrency", "1", "--batch-size", "40"]
            let first = try await CLI(dir: live.dir).runDetached(arguments)
            #expect(first.status == 0, "\(first.stderr)")
            _ = live.server.applyNight(seed: 3)
            _ = try await live.snapshot()
            let hold = target.faults.hold("POST", .suffix("/words"), skip: 0)
            let (status, stderr) = try await signalWhileHeld(arguments, at: hold, signal: SIGINT, dir: live.dir)
            #expect(status == 130)
            #expect(stderr == "tts-archive: error: cancelled by SIGINT: the sync can be resumed by running the same command\n")
            let store = try ArchiveStore(path: live.store.path, access: .read)
            #expect(try store.db.scalar("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1", as: String.self) == "cancelled")
            let again = try await CLI(dir: live.dir).runDetached(arguments)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try store.db.scalar("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1", as: String.self) == "complete")
            #expect(target.defaultInstance.counts.models == live.server.defaultInstance.counts.models)
            let diff = try await CLI(dir: live.dir).runDetached(["diff", "latest", "live", "--match-by", "pairing", "--stat", "--archive", live.store.path,
                                                                 "--url", targetURL.absoluteString, "--auth-type", "noAuth"])
            #expect(diff.status == 0, "\(diff.stdout) \(diff.stderr)")
            await target.stop()
        }
    }

    @Test func tagWritesWhileASnapshotHoldsTheArchive() async throws {
        try await Live.with { live in
            // As `snapshot` runs: the archive's lock held for the whole run.
            let (first, hold, running) = try await live.snapshotHeldMidFetch(GeneratorSpec(models: 4, words: 300, seed: 6), night: 2,
                                                                             skip: 1, concurrency: 1, holdingLock: true)
            let store = live.store
            let tagged = try await CLI(dir: live.dir).runDetached(
                ["tag", String(first.snapshotID), "--add", "during-snapshot", "--note", "tagged mid-run", "--archive", store.path])
            await hold.release()
            #expect(tagged.status == 0, "\(tagged.stderr)")
            let second = try await running.value
            let record = try #require(try SnapshotReader(store).snapshot(first.snapshotID))
            #expect(record.tags == ["during-snapshot"] && record.note == "tagged mid-run")
            #expect(try SnapshotReader(store).all().map(\.id) == [first.snapshotID, second.snapshotID])
            #expect(try ArchiveChecker(store).run().problems.isEmpty)
        }
    }
}
