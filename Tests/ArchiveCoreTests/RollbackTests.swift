import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
@testable import ArchiveCore

/// ``RollbackPlan`` against a scripted target: it sends only what differs from the snapshot, and nothing while
/// planning.
@Suite struct RollbackTests {
    let dir: TempDir
    let store: ArchiveStore
    let snapshot: Int64
    let stored: CustomModel

    init() async throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        snapshot = try await Snapshotter.run(store: store, source: Fixtures.standardSource()).snapshotID
        stored = try SnapshotReader(store).models(in: snapshot)[0]
    }

    /// The live General drifted: one entry changed, one deleted, one added, the description edited.
    func drifted(id: String? = nil) -> (ScriptedTarget, String) {
        var words = stored.words!
        words[0].translation = "changed"
        words.remove(at: 1)
        words.append(WordEntry(word: "zzNew", translation: "new"))
        let target = ScriptedTarget()
        target.put(name: "Other")
        let live = target.put(id: id, name: "General", description: "edited", words: words)
        return (target, live)
    }

    @Test func rollbackSendsOnlyTheDifference() async throws {
        for id in [nil, stored.customizationID] {  // matched by name and language, then by customization id
            let (target, live) = drifted(id: id)
            let plan = try await RollbackPlan.make(model: "General", snapshot: snapshot, store: store, client: target, batchSize: 100)
            #expect(target.writes.isEmpty)
            #expect(plan.customizationID == live && plan.snapshotModelID == stored.customizationID)
            let repaired = [stored.words![0], stored.words![1]]
            #expect(plan.addWords == repaired && plan.deleteWords == ["zzNew"])
            #expect(plan.metadata == [FieldChange(field: "description", old: "edited", new: "Acronyms")])
            #expect(plan.requests == 3)

            target.resetCalls()
            try await plan.apply(with: target)
            #expect(target.writes == [.update(id: live, name: nil, description: "Acronyms"),
                                      .addWords(id: live, words: repaired.map(\.word)),
                                      .deleteWord(id: live, word: "zzNew")])
            #expect(target.model(live)?.words == stored.words && target.model(live)?.description == "Acronyms")
            #expect(try await RollbackPlan.make(model: live, snapshot: snapshot, store: store, client: target).isEmpty)
        }
    }

    @Test func addedEntriesGoInBatchesAndAWordAlreadyGoneIsNoError() async throws {
        let target = ScriptedTarget()
        let live = target.put(name: "General", description: "Acronyms", words: [WordEntry(word: "zzNew", translation: "new")])
        let plan = try await RollbackPlan.make(model: live, snapshot: snapshot, store: store, client: target, batchSize: 25)
        #expect(plan.addWords == stored.words && plan.deleteWords == ["zzNew"] && plan.metadata.isEmpty)
        // Someone deletes the entry first: the service answers 400, and the rollback checks it is gone.
        try await target.deleteWord(id: live, word: "zzNew")
        target.resetCalls()
        try await plan.apply(with: target)
        #expect(target.calls.map(\.description) == [
            "POST /v1/customizations/\(live)/words (25 words)", "POST /v1/customizations/\(live)/words (25 words)",
            "POST /v1/customizations/\(live)/words (10 words)", "DELETE /v1/customizations/\(live)/words/zzNew",
            "GET /v1/customizations/\(live)/words/zzNew",
        ])
        #expect(target.model(live)?.words == stored.words)
    }

    @Test func aWordStillThereAfterARefusedDeleteIsAnError() async throws {
        let (target, live) = drifted()
        let plan = try await RollbackPlan.make(model: live, snapshot: snapshot, store: store, client: target)
        target.refusedDeletes = ["zzNew"]
        await #expect(throws: ServiceError.self) { try await plan.apply(with: target) }
        #expect(target.model(live)?.words?.contains { $0.word == "zzNew" } == true)
    }
}
