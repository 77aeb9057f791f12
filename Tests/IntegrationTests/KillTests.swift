import ArchiveCore
import Foundation
import Testing
import TTSEmulator

/// The built `tts-archive` next to this test bundle (swift build --build-tests builds both).
let cliBinary: String? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appending(path: "tts-archive").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return ProcessInfo.processInfo.environment["TTS_ARCHIVE_BIN"]
}()

/// Starts the CLI and SIGKILLs it while it waits on the request `hold` holds: a named point of the run, not a
/// moment in time. Returns false (and lets the run end) when the process exited before reaching that point.
func killWhileHeld(_ arguments: [String], at hold: RequestHold) async throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: cliBinary!)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let first = FirstOutcome()
    process.terminationHandler = { _ in first.resolve(false) }
    try process.run()
    Task { await hold.reached(); first.resolve(true) }
    let reached = await first.value
    if reached { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    await hold.release()  // the service handles the request the killed client sent, as a real one would
    return reached && process.terminationReason == .uncaughtSignal
}

/// The first of two outcomes (the hold reached, or the process gone), whichever comes first.
final class FirstOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Bool?
    private var waiter: CheckedContinuation<Bool, Never>?

    func resolve(_ value: Bool) {
        let w = lock.withLock { () -> CheckedContinuation<Bool, Never>? in
            guard result == nil else { return nil }
            result = value
            defer { waiter = nil }
            return waiter
        }
        w?.resume(returning: value)
    }

    var value: Bool {
        get async {
            await withCheckedContinuation { c in
                let now = lock.withLock { () -> Bool? in
                    if let result { return result }
                    waiter = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        }
    }
}

@Suite struct KillTests {
    /// SIGKILL a snapshot run at named points (waiting on the first list, mid-fetch with models written into
    /// its transaction, and on the re-list after every model is written): the archive keeps exactly its earlier
    /// snapshots, `check` passes, no partial snapshot is listed, and the next run works.
    @Test(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
    func killedSnapshotLeavesTheArchiveAsItWas() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 30, words: 6_000, seed: 21))
            let first = try await live.snapshot()
            let digest = first.digest
            let archivePath = live.store.path
            _ = live.server.applyNight(seed: 1)  // the run has work to write
            let arguments = ["snapshot", "--archive", archivePath, "--url", live.url.absoluteString,
                             "--auth-type", "noAuth", "--concurrency", "2"]
            let faults = live.server.faults
            // A hold counts matching requests from its creation: each is made just before its run.
            let points: [(String, () -> RequestHold)] = [
                ("the first list", { faults.hold("GET", .exact("/v1/customizations")) }),
                ("the 11th get-model", { faults.hold("GET", .prefix("/v1/customizations/"), skip: 10) }),
                ("the re-list after every model", { faults.hold("GET", .exact("/v1/customizations"), skip: 1) }),
            ]
            for (point, hold) in points {
                #expect(try await killWhileHeld(arguments, at: hold()), "the run ended before \(point)")
                let reopened = try ArchiveStore(path: archivePath, access: .read)
                #expect(try SnapshotReader(reopened).all().map(\.digest) == [digest], "killed at \(point)")
                #expect(try ArchiveChecker(reopened).run().problems.isEmpty, "killed at \(point)")
            }
            // The lock died with the killed process: the next run goes through at once.
            let next = try await live.snapshot()
            #expect(try SnapshotReader(live.store).models(in: next.snapshotID) == (try await live.current()))
        }
    }
}

@Suite struct RestoreKillTests {
    /// SIGKILL `restore` at named points (waiting on a create, on an add-words batch, on a later create), then
    /// run the same command again: it resumes the journaled run, the target ends with exactly the snapshot's
    /// models (none created twice, though each held request was carried out after its client died) and verify
    /// finds nothing.
    @Test(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
    func killedRestoreResumesWithoutDuplicates() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 12, words: 2_400, seed: 31))
            _ = try await live.snapshot()
            let target = EmulatorServer(configuration: EmulatorConfiguration())
            let targetURL = try await target.start()
            let arguments = ["restore", "latest", "--archive", live.store.path, "--to-url", targetURL.absoluteString,
                             "--auth-type", "noAuth", "--concurrency", "2", "--batch-size", "40"]
            let faults = target.faults
            // A hold counts matching requests from its creation: each is made just before its run.
            let points: [(String, () -> RequestHold)] = [
                ("the 2nd create", { faults.hold("POST", .exact("/v1/customizations"), skip: 1) }),
                ("the 9th add-words", { faults.hold("POST", .suffix("/words"), skip: 8) }),
                ("a 3rd create of the resumed run", { faults.hold("POST", .exact("/v1/customizations"), skip: 2) }),
            ]
            for (point, hold) in points {
                #expect(try await killWhileHeld(arguments, at: hold()), "the run ended before \(point)")
            }
            let last = Process()
            last.executableURL = URL(fileURLWithPath: cliBinary!)
            last.arguments = arguments
            last.standardOutput = FileHandle.nullDevice
            last.standardError = FileHandle.nullDevice
            try last.run()
            // Waited for on a thread of its own (CLI.runDetached says why): the restore needs this process's
            // emulator, whose handlers need the cooperative threads (two on a 2-core machine).
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { last.waitUntilExit(); done.resume() }
            }
            #expect(last.terminationStatus == 0)
            #expect(target.defaultInstance.counts.models == 12)
            let runs = try RestoreRunSummary.all(in: ArchiveStore(path: live.store.path, access: .read))
            #expect(runs.map(\.status) == [.complete])
            await target.stop()
        }
    }
}
