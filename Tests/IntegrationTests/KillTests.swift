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

@Suite struct KillTests {
    /// SIGKILL a snapshot run part-way (at several points): the archive keeps exactly its earlier snapshots,
    /// `check` passes, no partial snapshot is listed, and the next run works.
    @Test(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
    func killedSnapshotLeavesTheArchiveAsItWas() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 30, words: 6_000, seed: 21))
            let first = try await live.snapshot()
            let digest = first.digest
            let archivePath = live.store.path
            // Slow the service down so a run takes a second or more, and change it so the run has work to write.
            _ = live.server.applyNight(seed: 1)
            live.server.faults.currentPlan = FaultPlan(latencyMilliseconds: 40, seed: 1)
            for delay in [150, 400, 700] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: cliBinary!)
                process.arguments = ["snapshot", "--archive", archivePath, "--url", live.url.absoluteString,
                                     "--auth-type", "noAuth", "--concurrency", "2"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                try await Task.sleep(for: .milliseconds(delay))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal, "the run finished before the kill at \(delay) ms")

                let reopened = try ArchiveStore(path: archivePath, access: .read)
                #expect(try SnapshotReader(reopened).all().map(\.digest) == [digest])
                #expect(try ArchiveChecker(reopened).run().problems.isEmpty)
            }
            live.server.faults.reset()
            // The lock died with the killed process: the next run goes through at once.
            let next = try await live.snapshot()
            #expect(try SnapshotReader(live.store).models(in: next.snapshotID) == (try await live.current()))
        }
    }
}

@Suite struct RestoreKillTests {
    /// SIGKILL `restore` part-way (at several points), then run the same command again: it resumes the journaled
    /// run, the target ends with exactly the snapshot's models (none created twice) and verify finds nothing.
    @Test(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
    func killedRestoreResumesWithoutDuplicates() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 12, words: 2_400, seed: 31))
            _ = try await live.snapshot()
            let target = EmulatorServer(configuration: EmulatorConfiguration(faults: FaultPlan(latencyMilliseconds: 50, seed: 2)))
            let targetURL = try await target.start()
            func restore() throws -> Process {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: cliBinary!)
                process.arguments = ["restore", "latest", "--archive", live.store.path, "--to-url", targetURL.absoluteString,
                                     "--auth-type", "noAuth", "--concurrency", "2", "--batch-size", "40"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            for delay in [250, 400, 550] {
                let process = try restore()
                try await Task.sleep(for: .milliseconds(delay))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal, "the run finished before the kill at \(delay) ms")
            }
            target.faults.reset()
            let last = try restore()
            last.waitUntilExit()
            #expect(last.terminationStatus == 0)
            #expect(target.defaultInstance.counts.models == 12)
            let runs = try RestoreRunSummary.all(in: ArchiveStore(path: live.store.path, access: .read))
            #expect(runs.map(\.status) == ["complete"])
            await target.stop()
        }
    }
}
