import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
import TTSEmulator

/// `sync` over HTTP: a source emulator snapshotted night after night, a second emulator as the warm standby.
@Suite struct SyncOverHTTPTests {
    static let retry = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50))

    /// A second emulator (the standby) and a client of it.
    static func withStandby<T>(_ body: (EmulatorServer, TextToSpeechClient) async throws -> T) async throws -> T {
        let server = EmulatorServer(configuration: EmulatorConfiguration())
        let url = try await server.start()
        let client = try TextToSpeechClient(credentials: ServiceCredentials(serviceURL: url.absoluteString, authentication: .none),
                                            configuration: ClientConfiguration(requestTimeout: .seconds(60), retry: retry))
        do {
            let result = try await body(server, client)
            try await client.shutdown()
            await server.stop()
            return result
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
    }

    /// The standby against the snapshot through the pairing.
    static func distance(_ live: Live, snapshot: Int64, standby: TextToSpeechClient) async throws -> ArchiveDiff {
        let pairing = try #require(try SyncPairing.load(target: standby.serviceURL, in: live.store))
        let models = try await LiveState.fetch(from: ServiceModelSource(client: standby))
        return try SnapshotDiff(live.store).against(snapshot, live: models, pairing: pairing, liveLabel: "standby", snapshotFirst: true,
                                                    filter: .init())
    }

    /// 30 nights of churn, each snapshotted and synced: the standby equals every night's snapshot, and every model
    /// that survives keeps its standby customization id.
    @Test func thirtyNightsKeepTheStandbyEqualAndEveryTwinItsId() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 8, words: 1_600, seed: 41))
            try await Self.withStandby { server, standby in
                var twins: [String: String] = [:]
                for night in 0...30 {
                    if night > 0 { _ = live.server.applyNight(seed: UInt64(night)) }
                    let snapshot = try await live.snapshot().snapshotID
                    let report = try await Syncer(store: live.store, client: standby).run(snapshot: snapshot, options: SyncOptions(batchSize: 100))
                    #expect(report.status == .complete, "night \(night): \(report.models.filter { $0.status != .done })")
                    #expect(report.verification?.differences.summary.isEmpty == true, "night \(night)")
                    #expect(try await Self.distance(live, snapshot: snapshot, standby: standby).summary.isEmpty, "night \(night)")
                    let pairing = try #require(try SyncPairing.load(target: standby.serviceURL, in: live.store))
                    for (source, twin) in twins where pairing.paired[source] != nil {
                        #expect(pairing.paired[source] == twin, "night \(night): \(source) got a new twin")
                    }
                    twins = pairing.paired
                    #expect(server.defaultInstance.counts.models == twins.count)
                }
            }
        }
    }

    /// Faults on the standby (429, 503, dropped connections, dropped creates): runs are repeated until complete;
    /// the standby ends equal, with no model created twice.
    @Test func faultsOnTheStandbyEndEqualWithNoDuplicates() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 6, words: 1_200, seed: 43))
            try await Self.withStandby { server, standby in
                _ = try await Syncer(store: live.store, client: standby).run(snapshot: try await live.snapshot().snapshotID, options: .init())
                _ = live.server.applyNight(ChurnSpec(translationEdits: 60, wordAdds: 40, wordDeletes: 20, modelAdds: 3, modelDeletes: 1,
                                                     modelRenames: 2, modelRedescriptions: 1), seed: 5)
                let snapshot = try await live.snapshot().snapshotID
                server.faults.currentPlan = FaultPlan(tooManyRequestsRate: 0.1, unavailableRate: 0.1, dropRate: 0.1, retryAfterSeconds: 0, seed: 3)
                server.faults.failNext(count: 2, method: "POST", pathPrefix: "/v1/customizations", with: .drop)
                var report = try await Syncer(store: live.store, client: standby).run(snapshot: snapshot, options: SyncOptions(batchSize: 10))
                for _ in 0..<3 where report.status == .failed {
                    report = try await Syncer(store: live.store, client: standby).run(snapshot: snapshot, options: SyncOptions(batchSize: 10))
                }
                server.faults.reset()
                #expect(report.status == .complete)
                #expect(try await Self.distance(live, snapshot: snapshot, standby: standby).summary.isEmpty)
                let pairing = try #require(try SyncPairing.load(target: standby.serviceURL, in: live.store))
                #expect(server.defaultInstance.counts.models == pairing.paired.count)
            }
        }
    }
}

@Suite struct SyncKillTests {
    /// SIGKILL `sync` at named points of a later run (waiting on the create of an added model, on an add-words
    /// batch, on a word delete), then run the same command again: it resumes, the standby equals the snapshot,
    /// no model is created twice, and `diff --match-by pairing` finds nothing.
    @Test(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
    func killedSyncResumesWithoutDuplicates() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 10, words: 2_000, seed: 47))
            _ = try await live.snapshot()
            let standby = EmulatorServer(configuration: EmulatorConfiguration())
            let url = try await standby.start()
            let cli = CLI(dir: live.dir)
            let arguments = ["sync", "--archive", live.store.path, "--to-url", url.absoluteString, "--auth-type", "noAuth",
                             "--concurrency", "2", "--batch-size", "5"]
            let first = try await cli.runDetached(arguments)
            #expect(first.status == 0, "\(first.stderr)")
            _ = live.server.applyNight(ChurnSpec(translationEdits: 40, wordAdds: 30, wordDeletes: 12, modelAdds: 2, modelDeletes: 1,
                                                 modelRenames: 1, modelRedescriptions: 1), seed: 9)
            let snapshot = try await live.snapshot().snapshotID
            let faults = standby.faults
            // A hold counts matching requests from its creation: each is made just before its run.
            let points: [(String, () -> RequestHold)] = [
                ("the 1st create", { faults.hold("POST", .exact("/v1/customizations")) }),
                ("the 4th add-words", { faults.hold("POST", .suffix("/words"), skip: 3) }),
                ("a word delete", { faults.hold("DELETE", .prefix("/v1/customizations/")) }),
            ]
            for (point, hold) in points {
                #expect(try await killWhileHeld(arguments, at: hold()), "the run ended before \(point)")
            }
            let last = try await cli.runDetached(arguments)
            #expect(last.status == 0, "\(last.stdout) \(last.stderr)")
            let models = try SnapshotReader(ArchiveStore(path: live.store.path, access: .read)).modelList(in: snapshot)
            #expect(standby.defaultInstance.counts.models == models.count)
            let diff = try await cli.runDetached(["diff", "latest", "live", "--match-by", "pairing", "--archive", live.store.path,
                                                  "--url", url.absoluteString, "--auth-type", "noAuth"])
            #expect(diff.status == 0, "\(diff.stdout)")
            let syncs = try await cli.runDetached(["syncs", "--archive", live.store.path, "--json"])
            #expect(syncs.status == 0 && syncs.stdout.contains("\"snapshot\" : \(snapshot)"), "\(syncs.stdout)")
            await standby.stop()
        }
    }

    /// SIGKILL `sync` while it waits on its verification's first read (every change sent, the pairing moved): the
    /// run is not recorded `complete`; the same command resumes it, sends nothing again, and verifies.
    @Test(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
    func aSyncKilledDuringItsVerifyIsResumedAndVerified() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 4, words: 400, seed: 53))
            _ = try await live.snapshot()
            let standby = EmulatorServer(configuration: EmulatorConfiguration())
            let url = try await standby.start()
            let cli = CLI(dir: live.dir)
            let arguments = ["sync", "--archive", live.store.path, "--to-url", url.absoluteString, "--auth-type", "noAuth"]
            let first = try await cli.runDetached(arguments)
            #expect(first.status == 0, "\(first.stderr)")
            // Edits and additions only: the apply reads nothing, so the first model read is the verification's.
            _ = live.server.applyNight(ChurnSpec(translationEdits: 20, wordAdds: 10, wordDeletes: 0, modelAdds: 1, modelDeletes: 0,
                                                 modelRenames: 1, modelRedescriptions: 0), seed: 11)
            let snapshot = try await live.snapshot().snapshotID
            let verifyRead = standby.faults.hold("GET", .prefix("/v1/customizations/"))
            #expect(try await killWhileHeld(arguments, at: verifyRead), "the run ended before its verification")
            let killed = try await cli.runDetached(["syncs", "--archive", live.store.path, "--json"])
            #expect(killed.stdout.contains("\"last_run_status\" : \"running\""), "\(killed.stdout)")
            let modelsAfterKill = standby.defaultInstance.counts.models

            let last = try await cli.runDetached(arguments)
            #expect(last.status == 0, "\(last.stdout) \(last.stderr)")
            #expect(last.stdout.contains("(resumed)") && last.stdout.contains("verified: "), "\(last.stdout)")
            #expect(standby.defaultInstance.counts.models == modelsAfterKill)
            let syncs = try await cli.runDetached(["syncs", "--archive", live.store.path, "--json"])
            #expect(syncs.stdout.contains("\"last_run_status\" : \"complete\"") && syncs.stdout.contains("\"snapshot\" : \(snapshot)"),
                    "\(syncs.stdout)")
            await standby.stop()
        }
    }
}
