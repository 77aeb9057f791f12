import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSEmulator
@testable import ArchiveServer

/// `POST /v1/syncs` and `GET /v1/syncs` (issue 20): the harness's source emulator is snapshotted, its second
/// emulator (`restore_target`) is the warm standby. Jobs are stopped at exact requests with the emulator's
/// ``RequestHold``: no sleeps, no timing.
@Suite struct SyncOperationTests {
    static func snapshot(_ h: Harness) async throws -> [String: Any] {
        let started = try await h.call(.POST, "/v1/snapshots")
        return try await h.finished(try #require(started.json["id"] as? String)).json
    }

    static func code(_ monitor: [String: Any]) -> String? { (monitor["error"] as? [String: Any])?["code"] as? String }

    /// The first sync is a restore that pairs the models; the next sends the night's difference; the standby ends
    /// equal to the snapshot, every twin keeps its id, and `GET /v1/syncs` says where the standby is.
    @Test func aSyncOverTheAPIRestoresFirstThenSendsTheDifference() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 4, words: 200, seed: 21))
            _ = try await Self.snapshot(h)
            let started = try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target"])
            #expect(started.status == 202)
            let id = try #require(started.json["id"] as? String)
            #expect(started.json["kind"] as? String == "sync")
            #expect(started.header("Operation-Location") == "\(h.base)/v1/operations/\(id)")
            #expect(started.header("Location") == "\(h.base)/v1/operations/\(id)/result")
            let first = try await h.finished(id)
            #expect(first.json["status"] as? String == "Succeeded", "\(first.text)")
            #expect(first.json["target"] as? String == "restore_target")
            #expect((first.json["result"] as? [String: Any])?["to_snapshot"] as? Int == 1)
            let twins = Set(h.target.defaultInstance.listModels().map(\.customizationID))
            #expect(twins.count == 4)

            _ = h.source.applyNight(ChurnSpec(translationEdits: 12, wordAdds: 8, wordDeletes: 4, modelAdds: 1, modelDeletes: 0,
                                              modelRenames: 1, modelRedescriptions: 1), seed: 3)
            _ = try await Self.snapshot(h)
            let plan = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs",
                                                                          json: ["target": "restore_target", "dry_run": true]).json["id"] as? String))
            #expect(plan.json["status"] as? String == "Succeeded")
            #expect(((plan.json["result"] as? [String: Any])?["steps"] as? [Any])?.isEmpty == false)
            #expect(h.target.defaultInstance.listModels().count == 4)  // a dry run sends nothing

            let second = try await h.call(.POST, "/v1/syncs", json: ["snapshot": "latest", "target": "restore_target", "batch_size": 5,
                                                                    "verify": "all"])
            let done = try await h.finished(try #require(second.json["id"] as? String))
            #expect(done.json["status"] as? String == "Succeeded", "\(done.text)")
            let report = try #require(done.json["result"] as? [String: Any])
            #expect(report["status"] as? String == "complete" && report["from_snapshot"] as? Int == 1 && report["to_snapshot"] as? Int == 2)
            let verification = try #require(report["verification"] as? [String: Any])
            #expect(verification["models"] as? Int == 5)
            let now = Set(h.target.defaultInstance.listModels().map(\.customizationID))
            #expect(now.count == 5 && twins.isSubset(of: now))

            let syncs = try await h.call(.GET, "/v1/syncs")
            #expect(syncs.status == 200)
            let value = try #require(syncs.json["value"] as? [[String: Any]])
            #expect(value.count == 1)
            #expect(value.first?["snapshot"] as? Int == 2 && value.first?["models"] as? Int == 5 && value.first?["behind"] as? Int == 0)
            #expect(value.first?["lastRunStatus"] as? String == "complete")
            #expect((value.first?["target"] as? String)?.hasPrefix("http://127.0.0.1:") == true)

            let sources = try await h.call(.GET, "/v1/operations?kind=sync")
            #expect((sources.json["value"] as? [Any])?.count == 3)
            #expect(try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target", "verify": "some"]).status == 400)
            #expect(try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target", "force": true, "extra": 1]).status == 400)
            let unknown = try await h.call(.POST, "/v1/syncs", json: ["target": "../etc"])
            #expect(unknown.status == 400 && unknown.error["target"] as? String == "target")
        }
    }

    /// A twin renamed directly on the standby is drift: the sync fails with code `drift`, naming the model, the
    /// drift (as `diff --json`) is the result, nothing is sent; `force` overwrites it.
    @Test func driftFailsWithCodeDriftAndForceOverwritesIt() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 40, seed: 22))
            _ = try await Self.snapshot(h)
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target"]).json["id"] as? String))
            let twin = try #require(h.target.defaultInstance.listModels().first)
            try h.target.defaultInstance.updateModel(id: twin.customizationID, UpdateModelRequest(name: "Renamed by hand"))
            _ = h.source.applyNight(ChurnSpec(translationEdits: 3), seed: 4)
            _ = try await Self.snapshot(h)
            let writes = { () -> Int in let m = h.target.stats.byMethod; return (m["POST"] ?? 0) + (m["DELETE"] ?? 0) }
            let before = writes()

            let refused = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target"]).json["id"] as? String))
            #expect(refused.json["status"] as? String == "Failed")
            #expect(Self.code(refused.json) == "drift")
            let message = (refused.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("Renamed by hand") && message.contains(twin.customizationID), "\(message)")
            let drift = try #require((refused.json["result"] as? [String: Any])?["drift"] as? [String: Any])
            #expect((drift["models"] as? [Any])?.count == 1)
            #expect(h.target.defaultInstance.listModels().contains { $0.name == "Renamed by hand" })
            #expect(writes() == before)  // nothing sent

            let forced = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs",
                                                                            json: ["target": "restore_target", "force": true]).json["id"] as? String))
            #expect(forced.json["status"] as? String == "Succeeded", "\(forced.text)")
            #expect(!h.target.defaultInstance.listModels().contains { $0.name == "Renamed by hand" })
        }
    }

    /// Entries the standby refuses make a Succeeded sync with warnings (listed in the report).
    @Test func refusedEntriesAreWarningsOfASucceededSync() async throws {
        try await Harness.with { h in
            var words = (0..<6).map { WordEntry(word: "word\($0)", translation: "translation \($0)") }
            func model(_ words: [WordEntry]) -> CustomModel {
                CustomModel(customizationID: "11111111-2222-3333-4444-555555555555", name: "Scripted", language: "en-US", owner: "x",
                            created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z", description: "",
                            words: words.sorted { WordEntry.serviceOrder($0.word, $1.word) }, prompts: [])
            }
            let store = try ArchiveStore(path: h.archive, access: .write)
            let s1 = try await Snapshotter.run(store: store, source: OperationTests.FixedSource(models: [model(words)])).snapshotID
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs", json: ["snapshot": "\(s1)", "target": "restore_target"])
                .json["id"] as? String))
            words.append(WordEntry(word: "two words", translation: "bad"))  // the service refuses white space
            words.append(WordEntry(word: "word9", translation: "fine"))
            let s2 = try await Snapshotter.run(store: store, source: OperationTests.FixedSource(models: [model(words)])).snapshotID

            let done = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs", json: ["snapshot": "\(s2)", "target": "restore_target"])
                .json["id"] as? String))
            #expect(done.json["status"] as? String == "Succeeded", "\(done.text)")
            #expect(done.json["warnings"] as? Int == 1)
            #expect((done.json["warningMessages"] as? [String])?.first?.contains("two words") == true)
            let report = try #require(done.json["result"] as? [String: Any])
            #expect(report["status"] as? String == "partial")
            let words9 = try h.target.defaultInstance.words(id: try #require(h.target.defaultInstance.listModels().first?.customizationID))
            #expect(words9.contains { $0.word == "word9" })
        }
    }

    /// While a sync into the standby runs (held at a named create), a restore or another sync into it is 409 naming
    /// the running one; cancelled there, `:resume` finishes it with no model created twice.
    @Test func oneWriterPerTargetAndACanceledSyncResumesWithoutDuplicates() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 4, words: 120, seed: 23))
            _ = try await Self.snapshot(h)
            let hold = h.target.faults.hold("POST", .exact("/v1/customizations"), skip: 1)
            let started = try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target"])
            let id = try #require(started.json["id"] as? String)
            await hold.reached()
            for (path, body) in [("/v1/restores", ["target": "restore_target"]), ("/v1/syncs", ["target": "restore_target", "force": true])] {
                let second = try await h.call(.POST, path, json: body)
                #expect(second.status == 409, "\(path)")
                #expect(second.error["target"] as? String == "target")
                #expect((second.error["message"] as? String)?.contains(id) == true)
            }
            _ = try await h.call(.POST, "/v1/operations/\(id):cancel")
            await hold.release()
            let canceled = try await h.finished(id)
            #expect(canceled.json["status"] as? String == "Canceled")

            let resumed = try await h.call(.POST, "/v1/operations/\(id):resume", headers: [("Operation-Id", "sync-resume-1")])
            #expect(resumed.status == 202)
            #expect(resumed.json["resumedFrom"] as? String == id && resumed.json["kind"] as? String == "sync")
            let done = try await h.finished("sync-resume-1")
            #expect(done.json["status"] as? String == "Succeeded", "\(done.text)")
            #expect(h.target.defaultInstance.listModels().count == 4)  // no model created twice
            #expect(try await h.call(.POST, "/v1/operations/sync-resume-1:resume").status == 409)
            // Paired: the next sync sends nothing.
            let again = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target"]).json["id"] as? String))
            #expect((again.json["result"] as? [String: Any])?["models"] as? [Any] == nil
                    || ((again.json["result"] as? [String: Any])?["models"] as? [Any])?.isEmpty == true)
        }
    }

    /// A server stopped during a later sync (held at an add-words) marks it interrupted; after a restart `:resume`
    /// finishes the journaled run: no model created twice, the standby equal to the snapshot.
    @Test func restartMarksASyncInterruptedAndResumeFinishesIt() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 90, seed: 24))
            _ = try await Self.snapshot(h)
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target"]).json["id"] as? String))
            _ = h.source.applyNight(ChurnSpec(translationEdits: 10, wordAdds: 20, modelAdds: 2), seed: 5)
            _ = try await Self.snapshot(h)
            let hold = h.target.faults.hold("POST", .exact("/v1/customizations"), skip: 1)
            let started = try await h.call(.POST, "/v1/syncs", json: ["target": "restore_target", "batch_size": 3])
            let id = try #require(started.json["id"] as? String)
            await hold.reached()
            async let stopped: Void = h.stop()
            await hold.release()
            await stopped

            try await h.start()
            let interrupted = try await h.call(.GET, "/v1/operations/\(id)")
            #expect(interrupted.json["status"] as? String == "Failed" && Self.code(interrupted.json) == "interrupted")
            let resumed = try await h.call(.POST, "/v1/operations/\(id):resume")
            #expect(resumed.status == 202)
            let done = try await h.finished(try #require(resumed.json["id"] as? String))
            #expect(done.json["status"] as? String == "Succeeded", "\(done.text)")
            let report = try #require(done.json["result"] as? [String: Any])
            #expect(report["resumed"] as? Bool == true)
            #expect(((report["verification"] as? [String: Any])?["differences"] as? [String: Any]).map { ($0["models"] as? [Any])?.isEmpty } == true)
            #expect(h.target.defaultInstance.listModels().count == h.source.defaultInstance.listModels().count)
        }
    }

    static let syncToConfig = """
        sources:
          - name: prod
            service_name: text_to_speech
            sync_to: standby
        targets:
          - name: standby
            service_name: restore_target
        """

    /// A source's `sync_to`: each successful snapshot starts a sync (trigger after_snapshot), skipped with a log line
    /// while one into the target still runs.
    @Test func syncToStartsASyncAfterEachSnapshot() async throws {
        try await Harness.with(config: Self.syncToConfig) { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 60, seed: 25))
            let snap = try await Self.snapshot(h)
            #expect(snap["status"] as? String == "Succeeded")
            let syncs = try #require(try await h.call(.GET, "/v1/operations?kind=sync").json["value"] as? [[String: Any]])
            #expect(syncs.count == 1)
            let first = try #require(syncs.first?["id"] as? String)
            #expect(syncs.first?["target"] as? String == "standby" && syncs.first?["source"] as? String == "prod")
            let done = try await h.finished(first)
            #expect(done.json["status"] as? String == "Succeeded", "\(done.text)")
            #expect(h.target.defaultInstance.listModels().count == 3)
            let row = try OperationLog(try ArchiveStore(path: h.archive, access: .read)).get(first)
            #expect(row?.trigger == .afterSnapshot)
            let listed = try #require(try await h.call(.GET, "/v1/syncs").json["value"] as? [[String: Any]])
            #expect(listed.first?["name"] as? String == "standby")
            // A snapshot of some models only starts no sync (it would delete the other models' twins).
            let filtered = try await h.call(.POST, "/v1/snapshots", json: ["languages": ["en-US"]])
            #expect(try await h.finished(try #require(filtered.json["id"] as? String)).json["status"] as? String == "Succeeded")
            #expect((try await h.call(.GET, "/v1/operations?kind=sync").json["value"] as? [Any])?.count == 1)
            #expect(h.log.lines.contains { $0.contains("sync after snapshot skipped") && $0.contains("whole snapshots") })

            // The server runs one writing job at a time: a snapshot held at its list holds the others back; a sync
            // requested meanwhile waits behind it, so when the snapshot succeeds its sync_to finds one running: skipped.
            _ = h.source.applyNight(ChurnSpec(translationEdits: 5, wordAdds: 5), seed: 6)
            let hold = h.source.faults.hold("GET", .exact("/v1/customizations"))
            let snapshot = try await h.call(.POST, "/v1/snapshots")
            await hold.reached()
            let manual = try await h.call(.POST, "/v1/syncs", json: ["target": "standby", "snapshot": "1"])
            #expect(manual.status == 202)
            await hold.release()
            let second = try await h.finished(try #require(snapshot.json["id"] as? String))
            #expect(second.json["status"] as? String == "Succeeded")
            #expect((try await h.call(.GET, "/v1/operations?kind=sync").json["value"] as? [Any])?.count == 2)
            #expect(h.log.lines.contains { $0.contains("sync after snapshot skipped") && $0.contains("is running on target") })
            let synced = try await h.finished(try #require(manual.json["id"] as? String))
            #expect(synced.json["status"] as? String == "Succeeded", "\(synced.text)")
            #expect((synced.json["result"] as? [String: Any])?["to_snapshot"] as? Int == 1)
        }
    }

    @Test func syncToMustNameAConfiguredTarget() throws {
        func error(_ yaml: String) -> String {
            do {
                _ = try ServerConfig.parse(yaml, path: "server.yaml")
                return ""
            } catch { return "\(error)" }
        }
        #expect(error("sources:\n  - name: prod\n    sync_to: standy\ntargets:\n  - name: standby\n")
                == "config server.yaml: sources[0].sync_to: 'standy' is not a configured target; targets are: standby")
        #expect(error("sources:\n  - name: prod\n    sync_to: standby\n").contains("add it under targets"))
        #expect(error("sources:\n  - name: prod\n    sync_to: [a]\n").contains("sources[0].sync_to: expected the name of a configured target"))
        let config = try ServerConfig.parse(Self.syncToConfig, path: "s")
        #expect(config.sources == [.init(name: "prod", serviceName: "text_to_speech", syncTo: "standby")])
    }
}
