import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
@testable import ArchiveCore

/// ``Restorer`` against a scripted target: what it sends, in which order, and how it recovers, without HTTP.
@Suite struct RestorerTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    static let general = "aaaaaaaa-0000-0000-0000-000000000001"

    func snapshot(_ source: ScriptedSource) async throws -> Int64 {
        try await Snapshotter.run(store: store, source: source).snapshotID
    }

    func restore(_ snapshot: Int64, into target: ScriptedTarget, _ options: RestoreOptions = .init(),
                 concurrency: Int = 4) async throws -> RestoreReport {
        try await Restorer(store: store, client: target, concurrency: concurrency).run(snapshot: snapshot, options: options)
    }

    /// The target's model restored from `sourceID` equals the snapshot's, words byte for byte.
    func expectRestored(_ report: RestoreReport, _ target: ScriptedTarget, snapshot: Int64,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        for stored in try SnapshotReader(store).models(in: snapshot) {
            guard let row = report.models.first(where: { $0.sourceID == stored.customizationID }), row.status == .done else { continue }
            let restored = try #require(target.model(row.targetID ?? ""), sourceLocation: sourceLocation)
            #expect(restored.name == stored.name && restored.language == stored.language, sourceLocation: sourceLocation)
            #expect(restored.words?.map { Array($0.word.utf8) } == stored.words?.map { Array($0.word.utf8) }, sourceLocation: sourceLocation)
            #expect(restored.words == stored.words, sourceLocation: sourceLocation)
        }
    }

    static func addedWords(_ calls: [ScriptedTarget.Call]) -> [String] {
        calls.flatMap { call -> [String] in if case .addWords(_, let words) = call { words } else { [] } }
    }

    @Test func aRestoreCreatesEachModelSendsItsWordsInBatchesAndVerifies() async throws {
        let source = Fixtures.standardSource()
        let id = try await snapshot(source)
        let target = ScriptedTarget()
        let report = try await restore(id, into: target, RestoreOptions(batchSize: 16))
        #expect(report.status == .complete)
        #expect(target.creates == 3 && target.modelIDs.count == 3)
        try expectRestored(report, target, snapshot: id)
        // Words in service order, in batches of 16: General has 60 entries (4 batches), 日本語 3 (1), Empty none.
        #expect(target.calls.filter { if case .addWords = $0 { true } else { false } }.count == 5)
        let general = report.models.first { $0.sourceID == Self.general }!
        #expect(target.calls.compactMap { if case .addWords(general.targetID!, let w) = $0 { w } else { nil } }.flatMap { $0 }
                == source.current()[0].words!.map(\.word))
        #expect(report.verification?.models == 3 && report.verification?.differences.summary.isEmpty == true, "\(String(describing: report.verification?.differences.models))")
        #expect(report.verification?.words == 63)
        #expect(report.promptsNotRestorable == 1)
    }

    @Test func aRefusedBatchIsSplitDownToTheRefusedEntries() async throws {
        let words = (0..<20).map { WordEntry(word: String(format: "w%02d", $0), translation: "t\($0)") }
        let source = ScriptedSource()
        source.put(CustomModel(customizationID: Self.general, name: "Split", language: "en-US", description: "", words: words))
        let id = try await snapshot(source)
        let target = ScriptedTarget()
        target.refusedWords = ["w03", "w17"]
        let report = try await restore(id, into: target, RestoreOptions(batchSize: 8))
        #expect(report.status == .partial)
        #expect(report.models[0].status == .done)
        #expect(report.models[0].rejections.map(\.word) == ["w03", "w17"])
        #expect(report.models[0].rejections[0].message == "Word 'w03' is refused by this target")
        // Every other entry was accepted exactly once; the refused ones were each sent alone in the end.
        let accepted = Self.addedWords(target.calls.filter { !target.failures.contains($0) })
        #expect(accepted == words.map(\.word).filter { $0 != "w03" && $0 != "w17" })
        let refusedAlone = target.failures.compactMap { if case .addWords(_, let w) = $0, w.count == 1 { w[0] } else { nil } }
        #expect(refusedAlone == ["w03", "w17"])
        // Halving: 8 -> 4 -> 2 -> 1 around w03, 4 -> 2 -> 1 around w17: 7 refused requests.
        #expect(target.failures.count == 7)
        #expect(target.model(report.models[0].targetID!)?.words?.count == 18)
        #expect(report.verification?.differences.summary.wordsRemoved == 2)
    }

    @Test func anAmbiguousCreateIsAdoptedNotRepeated() async throws {
        let id = try await snapshot(Fixtures.standardSource())
        let target = ScriptedTarget()
        // The first create reaches the service, but its answer is lost.
        target.lostCreateAnswers = 1
        let report = try await restore(id, into: target, concurrency: 1)
        #expect(report.status == .complete)
        #expect(target.creates == 3 && target.modelIDs.count == 3)
        // The model the lost create made is the one restored into, found by listing the target.
        #expect(report.models[0].targetID == target.modelIDs[0])
        #expect(target.calls.prefix(3).map(\.description) == [
            "GET /v1/customizations", "POST /v1/customizations (General)", "GET /v1/customizations",
        ])
        #expect(report.verification?.differences.summary.isEmpty == true)
        try expectRestored(report, target, snapshot: id)
    }

    @Test func aResumeAfterAFailureCreatesNoModelTwiceAndSendsNoBatchTwice() async throws {
        let id = try await snapshot(Fixtures.standardSource())
        let target = ScriptedTarget()
        // Three batches of General get through, then every word request fails (after the client's retries).
        target.wordRequestsAllowed = 3
        let failed = try await restore(id, into: target, RestoreOptions(batchSize: 10), concurrency: 1)
        #expect(failed.status == .failed)
        #expect(target.creates == 3)
        let general = failed.models.first { $0.sourceID == Self.general }!
        #expect(general.status == .failed && general.targetID != nil)
        #expect(try RestoreRunSummary.all(in: store).map(\.status) == [.failed])

        target.wordRequestsAllowed = .max
        target.resetCalls()
        let resumed = try await restore(id, into: target, RestoreOptions(batchSize: 10), concurrency: 1)
        #expect(resumed.resumed && resumed.runID == failed.runID)
        #expect(resumed.status == .complete && resumed.verification?.differences.summary.isEmpty == true)
        #expect(target.creates == 0 && target.modelIDs.count == 3)
        #expect(resumed.models.map(\.targetID) == failed.models.map(\.targetID))
        // General resumes at its fourth batch: words 30... only.
        let sentToGeneral = target.calls.compactMap { if case .addWords(general.targetID!, let w) = $0 { w } else { nil } }.flatMap { $0 }
        #expect(sentToGeneral == Array(Fixtures.standardSource().current()[0].words!.map(\.word)[30...]))
        try expectRestored(resumed, target, snapshot: id)
    }

    @Test func aCreateKilledBeforeItsIDWasStoredIsAdoptedOnResume() async throws {
        let id = try await snapshot(Fixtures.standardSource())
        let target = ScriptedTarget()
        target.wordRequestsAllowed = 0
        let first = try await restore(id, into: target)
        #expect(first.status == .failed && target.creates == 3)
        // A kill between the create's answer and storing its id: the row says `creating`, with no id.
        let lost = first.models[0]
        try store.db.run("UPDATE restore_models SET target_id = NULL, status = 'creating' WHERE source_id = ?", lost.sourceID)
        target.wordRequestsAllowed = .max
        let resumed = try await restore(id, into: target)
        #expect(resumed.status == .complete)
        #expect(target.creates == 3 && target.modelIDs.count == 3)
        #expect(resumed.models[0].targetID == lost.targetID)
    }

    // MARK: --existing

    @Test func existingFailRefusesAnyModelAndWritesNothing() async throws {
        let id = try await snapshot(Fixtures.standardSource())
        let target = ScriptedTarget()
        target.put(name: "Unrelated")
        await #expect(throws: RestoreError.targetNotEmpty(models: 1, conflicts: 0)) { try await restore(id, into: target) }
        target.put(name: "General")
        await #expect(throws: RestoreError.targetNotEmpty(models: 2, conflicts: 1)) { try await restore(id, into: target) }
        #expect(target.writes.isEmpty)
        #expect(try RestoreRunSummary.all(in: store).isEmpty)
    }

    @Test func existingSkipLeavesSameNameModelsAlone() async throws {
        let id = try await snapshot(Fixtures.standardSource())
        let target = ScriptedTarget()
        let squatter = target.put(name: "General", description: "live", words: [WordEntry(word: "keep", translation: "keep me")])
        let other = target.put(name: "General", language: "de-DE")  // same name, other language: not the same model
        let report = try await restore(id, into: target, RestoreOptions(existing: .skip))
        #expect(report.status == .complete)
        #expect(report.models.map(\.status) == [.skipped, .done, .done])
        #expect(target.creates == 2 && target.modelIDs.count == 4)
        #expect(target.writes.allSatisfy { !$0.description.contains(squatter) && !$0.description.contains(other) })
        #expect(target.model(squatter)?.words == [WordEntry(word: "keep", translation: "keep me")])
        #expect(target.model(squatter)?.description == "live")
    }

    @Test func existingUpdateAddsWordsIntoTheSameNameModelAndCreatesExtras() async throws {
        let source = Fixtures.standardSource()
        // A second snapshot model named General: one existing model pairs with the first, the other is created.
        source.put(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000004", name: "General", language: "en-US",
                               description: "second", words: Fixtures.words(5, prefix: "second-")))
        let id = try await snapshot(source)
        let target = ScriptedTarget()
        let existing = target.put(name: "General", description: "old", words: [WordEntry(word: "zzextra", translation: "extra")])
        let report = try await restore(id, into: target, RestoreOptions(existing: .update))
        #expect(report.status == .complete)
        #expect(report.models.map(\.action) == [.update, .create, .create, .create])
        #expect(report.models[0].targetID == existing)
        #expect(target.creates == 3 && target.modelIDs.count == 4)
        #expect(target.calls.contains(.update(id: existing, name: nil, description: "Acronyms")))
        #expect(target.model(existing)?.description == "Acronyms")
        #expect(target.model(existing)?.words?.count == 61)
        // The entry only the target had is a difference verify reports.
        #expect(report.verification?.differences.summary.wordsAdded == 1)
        #expect(report.verification?.differences.summary.wordsRemoved == 0)
    }

    @Test func existingReplaceDeletesEverySameNameModelFirst() async throws {
        let id = try await snapshot(Fixtures.standardSource())
        let target = ScriptedTarget()
        let a = target.put(name: "General", words: [WordEntry(word: "old", translation: "old")])
        let b = target.put(name: "General")
        let kept = target.put(name: "Unrelated")
        let report = try await restore(id, into: target, RestoreOptions(existing: .replace), concurrency: 1)
        #expect(report.status == .complete)
        #expect(report.models.map(\.action) == [.replace, .create, .create])
        #expect(Array(target.writes.prefix(3)) == [.deleteModel(id: a), .deleteModel(id: b), .create(name: "General")])
        #expect(target.modelIDs.count == 4 && target.modelIDs.contains(kept) && !target.modelIDs.contains(a) && !target.modelIDs.contains(b))
        #expect(report.verification?.differences.summary.isEmpty == true)
        try expectRestored(report, target, snapshot: id)
    }

    // MARK: Reading the snapshot

    @Test func anOlderSnapshotRestoresItsOwnContent() async throws {
        // Rows later snapshots ended are read apart from the open ones and merged in service order.
        let source = Fixtures.standardSource()
        let first = try await snapshot(source)
        source.edit(Self.general) { m in
            for i in m.words!.indices where i % 2 == 0 { m.words![i].translation += " (later)" }
            m.words!.removeLast(5)
            m.words! += [WordEntry(word: "AAA later", translation: "a"), WordEntry(word: "zzz later", translation: "z")]
        }
        source.delete("aaaaaaaa-0000-0000-0000-000000000003")
        _ = try await snapshot(source)
        let target = ScriptedTarget()
        let report = try await restore(first, into: target)
        #expect(report.status == .complete && report.models.count == 3)
        #expect(report.verification?.differences.summary.isEmpty == true)
        try expectRestored(report, target, snapshot: first)
    }

    @Test func aSnapshotTakenDuringTheRestoreDoesNotChangeWhatIsRestored() async throws {
        let source = Fixtures.standardSource()
        let id = try await snapshot(source)
        source.edit(Self.general) { m in
            m.words!.removeFirst(10)
            for i in m.words!.indices { m.words![i].translation += " (later)" }
        }
        let target = ScriptedTarget()
        nonisolated(unsafe) let store = store
        target.onCreate = {
            // Another snapshot commits once the restore has begun: it ends most of the rows being restored.
            if target.creates == 0 { _ = try await Snapshotter.run(store: store, source: source) }
        }
        let report = try await restore(id, into: target, concurrency: 1)
        #expect(try SnapshotReader(store).all().count == 2)
        #expect(report.status == .complete && report.verification?.differences.summary.isEmpty == true)
        try expectRestored(report, target, snapshot: id)
    }
}
