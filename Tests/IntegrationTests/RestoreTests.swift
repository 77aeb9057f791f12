@testable import ArchiveCore
import Foundation
import Testing
import TTSAPI
import TTSClient
import TTSEmulator

/// Restores over HTTP between two instances of one in-process emulator: `source` (snapshotted) and `target`.
@Suite struct RestoreTests {
    static let keys = ["source-key", "target-key"]

    /// A Live on the source instance, plus a client of the target instance.
    static func withInstances<T>(_ body: (Live, TextToSpeechClient, ServiceInstance) async throws -> T) async throws -> T {
        try await Live.with(EmulatorConfiguration(apiKeys: keys), apiKey: keys[0]) { live in
            let target = try TextToSpeechClient(
                credentials: ServiceCredentials(serviceURL: live.url.absoluteString,
                                                authentication: .iam(apiKey: Secret(keys[1]), authURL: live.url.absoluteString)),
                configuration: ClientConfiguration(requestTimeout: .seconds(60),
                                                   retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50))))
            do {
                let result = try await body(live, target, live.server.instance(forAPIKey: keys[1])!)
                try await target.shutdown()
                return result
            } catch {
                try? await target.shutdown()
                throw error
            }
        }
    }

    static func sourceInstance(_ live: Live) -> ServiceInstance { live.server.instance(forAPIKey: keys[0])! }

    /// The target's models compared with the snapshot's by name and language (prompts are never restored).
    static func differences(_ live: Live, snapshot: Int64, target: TextToSpeechClient) async throws -> ArchiveDiff {
        var stored = try SnapshotReader(live.store).models(in: snapshot)
        var current = try await LiveState.fetch(from: ServiceModelSource(client: target))
        for i in stored.indices { stored[i].prompts = [] }
        for i in current.indices { current[i].prompts = [] }
        return ContentDiff.compare(stored, current, from: "snapshot", to: "target", matchBy: .name)
    }

    @Test func fullRestoreWithJapaneseAndAwkwardWordsVerifiesWithNoDifferences() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 8, words: 1_500, seed: 4))
            let ja = try await live.client.createModel(CreateModelRequest(name: "日本語 terms", language: "ja-JP"))
            try await live.client.addWords(id: ja.customizationID, [WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi"),
                                                                     WordEntry(word: "東京", translation: "トーキョー", partOfSpeech: "Mesi")])
            let en = try await live.client.createModel(CreateModelRequest(name: "Awkward", language: "en-US", description: "URL-hostile"))
            let awkward = ["TCP/IP", "a&b", "50%", "what?", "#tag", "caf\u{E9}", "cafe\u{301}", "😀", "x+y", "back\\slash", "quote\"d"]
            try await live.client.addWords(id: en.customizationID, awkward.map { WordEntry(word: $0, translation: "say \($0)") })
            let snapshot = try await live.snapshot().snapshotID

            let report = try await Restorer(store: live.store, client: target)
                .run(snapshot: snapshot, options: RestoreOptions(batchSize: 100))
            #expect(report.status == .complete)
            #expect(report.models.count == 10 && report.models.allSatisfy { $0.status == .done && $0.targetID != nil })
            #expect(report.wordsRestored == 1_500 + 2 + awkward.count)
            #expect(report.verification?.differences.summary.isEmpty == true)
            #expect(report.verification?.models == 10)
            #expect(targetInstance.counts.models == 10)
            #expect(try await Self.differences(live, snapshot: snapshot, target: target).summary.isEmpty)
            // The journal records the run and the report.
            let runs = try RestoreRunSummary.all(in: live.store)
            #expect(runs.map(\.status) == [.complete] && runs[0].words == report.wordsRestored)
            let saved: String? = try live.store.db.scalar("SELECT report FROM restore_runs WHERE id = ?", report.runID)
            #expect(saved?.contains(en.customizationID) == true)
        }
    }

    @Test func singleModeUsesOnePutPerWord() async throws {
        try await Self.withInstances { live, target, _ in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 3, words: 60, seed: 5, languages: ["en-US", "ja-JP"]))
            let snapshot = try await live.snapshot().snapshotID
            let putsBefore = live.server.stats.byMethod["PUT"] ?? 0
            let report = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(mode: .single))
            #expect(report.status == .complete)
            #expect(report.verification?.differences.summary.isEmpty == true)
            #expect((live.server.stats.byMethod["PUT"] ?? 0) - putsBefore == 60)
        }
    }

    @Test func existingModelsFailSkipOrReplace() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 4, words: 200, seed: 6, languages: ["en-US"]))
            let snapshot = try await live.snapshot().snapshotID
            let first = try SnapshotReader(live.store).models(in: snapshot)[0]
            let squatter = try targetInstance.createModel(CreateModelRequest(name: first.name!, language: first.language, description: "live"))
            try targetInstance.addWords(id: squatter, [WordEntry(word: "keep", translation: "keep me")])

            // Default: refuse, and nothing is written or journaled.
            await #expect(throws: RestoreError.targetNotEmpty(models: 1, conflicts: 1)) {
                try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions())
            }
            #expect(targetInstance.counts.models == 1)
            #expect(try RestoreRunSummary.all(in: live.store).isEmpty)

            // Skip: the same-name model is left as it was; the other three are created.
            let skipped = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(existing: .skip))
            #expect(skipped.status == .complete)
            #expect(skipped.models.filter { $0.status == .skipped }.map(\.sourceID) == [first.customizationID])
            #expect(targetInstance.counts.models == 4)
            #expect(try targetInstance.words(id: squatter) == [WordEntry(word: "keep", translation: "keep me")])

            // Replace: every same-name model (the squatter and the copies restored above) is deleted and created
            // afresh from the snapshot.
            let plan = try await Restorer(store: live.store, client: target).plan(snapshot: snapshot, options: RestoreOptions(existing: .replace))
            #expect(plan.items.filter { $0.action == .replace }.count == 4)
            let replaced = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(existing: .replace))
            #expect(replaced.status == .complete && replaced.verification?.differences.summary.isEmpty == true)
            #expect(targetInstance.counts.models == 4)
            #expect(!targetInstance.modelIDs.contains(squatter))
            #expect(try await Self.differences(live, snapshot: snapshot, target: target).summary.isEmpty)
        }
    }

    @Test func existingUpdateAddsWordsIntoTheSameNameModel() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 2, words: 100, seed: 13, languages: ["en-US"]))
            let snapshot = try await live.snapshot().snapshotID
            let first = try SnapshotReader(live.store).models(in: snapshot)[0]
            let existing = try targetInstance.createModel(CreateModelRequest(name: first.name!, language: first.language, description: "old"))
            try targetInstance.addWords(id: existing, [WordEntry(word: "zzextra", translation: "extra")])

            let report = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(existing: .update))
            #expect(report.status == .complete)
            #expect(report.models.first { $0.sourceID == first.customizationID }?.targetID == existing)
            #expect(targetInstance.counts.models == 2)
            let updated = try targetInstance.model(id: existing)
            #expect(updated.description == first.description)
            #expect(updated.words?.count == (first.words?.count ?? 0) + 1)
            // The word that was only in the target is a difference verify reports (the CLI exits 1).
            #expect(report.verification?.differences.summary.wordsAdded == 1)
            #expect(report.verification?.differences.summary.wordsRemoved == 0)
        }
    }

    @Test func aRejectedEntryIsIsolatedAndTheRestIsRestored() async throws {
        try await Self.withInstances { live, target, targetInstance in
            // The service refuses words with white space; a scripted source lets the snapshot hold one.
            var words = (0..<20).map { WordEntry(word: "word\($0)", translation: "translation \($0)") }
            words.append(WordEntry(word: "two words", translation: "bad"))
            let model = CustomModel(customizationID: "11111111-2222-3333-4444-555555555555", name: "Scripted", language: "en-US",
                                    owner: "x", created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z",
                                    description: "", words: words.sorted { WordEntry.serviceOrder($0.word, $1.word) }, prompts: [])
            let summary = try await Snapshotter.run(store: live.store, source: ScriptedSource(models: [model]), options: .init())

            let report = try await Restorer(store: live.store, client: target)
                .run(snapshot: summary.snapshotID, options: RestoreOptions(batchSize: 8))
            #expect(report.status == .partial)
            #expect(report.models[0].status == .done)
            #expect(report.models[0].rejections.map(\.word) == ["two words"])
            #expect(report.models[0].rejections[0].message.contains("white space"))
            let restored = try targetInstance.words(id: report.models[0].targetID!)
            #expect(restored.count == 20 && !restored.contains { $0.word == "two words" })
            // Verify reports exactly the rejected entry as missing.
            #expect(report.verification?.differences.summary.wordsRemoved == 1)
            #expect(try RestoreRunSummary.all(in: live.store)[0].rejections == 1)
        }
    }

    @Test func injectedFaultsStillCompleteWithNoDifferencesAndNoDuplicates() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 12, words: 2_000, seed: 7))
            let snapshot = try await live.snapshot().snapshotID
            live.server.faults.currentPlan = FaultPlan(tooManyRequestsRate: 0.1, unavailableRate: 0.1, dropRate: 0.1, retryAfterSeconds: 0, seed: 9)
            // A dropped create leaves its outcome unknown: reconciled, never blindly repeated.
            live.server.faults.failNext(count: 2, method: "POST", pathPrefix: "/v1/customizations", with: .drop)
            var report = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(batchSize: 150))
            // A model can still fail after all of the client's retries; the next run resumes it.
            for _ in 0..<3 where report.status == .failed {
                report = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(batchSize: 150))
            }
            live.server.faults.reset()
            #expect(report.status == .complete)
            #expect(targetInstance.counts.models == 12)
            #expect(try await Self.differences(live, snapshot: snapshot, target: target).summary.isEmpty)
        }
    }

    @Test func aModelThatFailsAfterEveryRetryGetsOneMorePassInTheSameRun() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 3, words: 300, seed: 6))
            let snapshot = try await live.snapshot().snapshotID
            // One model at a time: the first add-words exhausts all 6 attempts of the client, so that model fails
            // in the first pass; the run retries it from its journal row and completes.
            live.server.faults.failNext(count: 6, method: "POST", pathPrefix: "/v1/customizations/", with: .status(503))
            var restorer = Restorer(store: live.store, client: target, concurrency: 1)
            restorer.verify = true
            let report = try await restorer.run(snapshot: snapshot, options: RestoreOptions(batchSize: 50))
            live.server.faults.reset()
            #expect(report.status == .complete, "\(report.models.map { "\($0.status): \($0.message ?? "")" })")
            #expect(report.verification?.differences.summary.isEmpty == true)
            #expect(targetInstance.counts.models == 3)
            #expect(try RestoreRunSummary.all(in: live.store).count == 1)
        }
    }

    @Test func resumeAfterAFailurePartWayCreatesNoModelTwice() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 6, words: 900, seed: 8))
            let snapshot = try await live.snapshot().snapshotID
            // Models get created, then every add-words batch fails: the run stops part-way.
            live.server.faults.failNext(count: 100_000, method: "POST", pathPrefix: "/v1/customizations/", with: .status(500))
            let failed = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(batchSize: 50))
            #expect(failed.status == .failed)
            #expect(targetInstance.counts.models == 6)
            #expect(try RestoreRunSummary.all(in: live.store).map(\.status) == [.failed])
            live.server.faults.reset()

            // The same command again finds the unfinished run and finishes it.
            let resumed = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: RestoreOptions(batchSize: 50))
            #expect(resumed.resumed && resumed.runID == failed.runID)
            #expect(resumed.status == .complete && resumed.verification?.differences.summary.isEmpty == true)
            #expect(targetInstance.counts.models == 6)
            #expect(Set(resumed.models.compactMap(\.targetID)) == Set(failed.models.compactMap(\.targetID)))
            await #expect(throws: RestoreError.runFinished(failed.runID, status: .complete)) {
                try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: .init(), resume: failed.runID)
            }
        }
    }

    @Test func aKilledCreateIsAdoptedOnResume() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 2, words: 40, seed: 12, languages: ["en-US"]))
            let snapshot = try await live.snapshot().snapshotID
            // Models are created, then every word batch fails: the run stops after the creates.
            live.server.faults.failNext(count: 100_000, method: "POST", pathPrefix: "/v1/customizations/", with: .status(500))
            let first = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: .init())
            #expect(first.status == .failed)
            // Simulate a kill between the POST and storing the id: forget the id, mark the row `creating`.
            let lost = first.models[0]
            try live.store.db.run("UPDATE restore_models SET target_id = NULL, status = 'creating' WHERE source_id = ?", lost.sourceID)
            live.server.faults.reset()
            let resumed = try await Restorer(store: live.store, client: target).run(snapshot: snapshot, options: .init())
            #expect(resumed.status == .complete)
            #expect(targetInstance.counts.models == 2)
            #expect(resumed.models[0].targetID == lost.targetID)
        }
    }

    @Test func dryRunSendsNoWrites() async throws {
        try await Self.withInstances { live, target, targetInstance in
            _ = try Self.sourceInstance(live).generate(GeneratorSpec(models: 5, words: 1_000, seed: 9))
            let snapshot = try await live.snapshot().snapshotID
            _ = try await target.listModels()  // the IAM token request (a POST) happens before counting
            let before = live.server.stats.byMethod
            let plan = try await Restorer(store: live.store, client: target).plan(snapshot: snapshot, options: RestoreOptions(batchSize: 300))
            let after = live.server.stats.byMethod
            for method in ["POST", "PUT", "DELETE"] { #expect(before[method] == after[method]) }
            #expect(targetInstance.counts.models == 0)
            #expect(plan.items.count == 5 && plan.words == 1_000)
            #expect(plan.requests == plan.items.reduce(0) { $0 + 1 + ($1.words + 299) / 300 })
            #expect(try RestoreRunSummary.all(in: live.store).isEmpty)
        }
    }
}

/// A model source with fixed content, for snapshots holding entries the service would refuse.
struct ScriptedSource: ModelSource {
    let models: [CustomModel]
    var sourceDescription: SourceDescription { SourceDescription(kind: .import, url: "/scripted") }
    func listModels() async throws -> [CustomModel] { models.map { var m = $0; m.words = nil; m.prompts = nil; return m } }
    func getModel(id: String) async throws -> CustomModel { models.first { $0.customizationID == id }! }
}
