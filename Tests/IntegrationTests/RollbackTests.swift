import ArchiveCore
import Foundation
import Testing
import TTSAPI
import TTSEmulator

@Suite struct RollbackTests {
    @Test func rollbackSendsOnlyTheDifferenceAndRestoresTheSnapshotContent() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 2, words: 400, seed: 17, languages: ["en-US"]))
            let snapshot = try await live.snapshot().snapshotID
            let stored = try SnapshotReader(live.store).models(in: snapshot)[0]
            let id = stored.customizationID
            let words = stored.words!
            // Drift: one entry changed, one deleted, one added, the description edited.
            try await live.client.addWords(id: id, [WordEntry(word: words[0].word, translation: "changed"),
                                                    WordEntry(word: "zzNewWord", translation: "new")])
            try await live.client.deleteWord(id: id, word: words[1].word)
            try await live.client.updateModel(id: id, UpdateModelRequest(description: "edited"))

            let before = live.server.stats.byMethod
            let plan = try await RollbackPlan.make(model: stored.name!, snapshot: snapshot, store: live.store, client: live.client, batchSize: 100)
            #expect(live.server.stats.byMethod["POST"] == before["POST"] && live.server.stats.byMethod["DELETE"] == before["DELETE"])
            #expect(plan.customizationID == id)
            #expect(plan.addWords.map(\.word) == [words[0].word, words[1].word].sorted { WordEntry.serviceOrder($0, $1) })
            #expect(plan.deleteWords == ["zzNewWord"])
            #expect(plan.metadata.map(\.field) == ["description"])
            #expect(plan.requests == 3)

            try await plan.apply(with: live.client)
            #expect((live.server.stats.byMethod["POST"] ?? 0) - (before["POST"] ?? 0) == 2)
            #expect((live.server.stats.byMethod["DELETE"] ?? 0) - (before["DELETE"] ?? 0) == 1)
            var now = try await live.client.getModel(id: id)
            var then = stored
            now.prompts = []; then.prompts = []
            #expect(ContentDiff.compare([then], [now], from: "a", to: "b", matchBy: .id).summary.isEmpty)
            #expect(try await RollbackPlan.make(model: id, snapshot: snapshot, store: live.store, client: live.client).isEmpty)
        }
    }
}
