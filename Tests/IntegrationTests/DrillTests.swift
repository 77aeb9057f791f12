@testable import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
import TTSEmulator

/// Restore drills: the snapshot replayed into an empty instance and read back, the archive left untouched.
@Suite struct DrillTests {
    static func journalRows(_ store: ArchiveStore) throws -> Int {
        try store.db.scalar("SELECT count(*) FROM restore_runs")
    }

    static func model(_ id: String, language: String, _ words: [WordEntry]) -> CustomModel {
        CustomModel(customizationID: id, name: "Scripted \(id.prefix(4))", language: language, owner: "x",
                    created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z", description: "",
                    words: words.sorted { WordEntry.serviceOrder($0.word, $1.word) }, prompts: [])
    }

    @Test func aDrillRestoresAndVerifiesWithoutWritingToTheArchive() async throws {
        try await RestoreTests.withInstances { live, target, targetInstance in
            _ = try RestoreTests.sourceInstance(live).generate(GeneratorSpec(models: 6, words: 1_200, seed: 9))
            let ja = try await live.client.createModel(CreateModelRequest(name: "日本語", language: "ja-JP"))
            try await live.client.addWords(id: ja.customizationID, [WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi")])
            let snapshot = try await live.snapshot().snapshotID
            let before = try Data(contentsOf: URL(fileURLWithPath: live.store.path))

            let result = try await RestoreDrill.run(store: live.store, snapshot: snapshot, target: target)
            #expect(result.status == .passed)
            #expect(result.models == 7 && result.words == 1_201)
            #expect(targetInstance.counts.models == 7)
            // The journal went to a scratch archive: nothing was added to this one.
            #expect(try Self.journalRows(live.store) == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: live.store.path)) == before)
        }
    }

    @Test func refusedEntriesFailTheDrillAndNameTheEntry() async throws {
        try await Live.with { live in
            let words = [WordEntry(word: "fine", translation: "fine"), WordEntry(word: "two words", translation: "bad")]
            let summary = try await Snapshotter.run(store: live.store, source: ScriptedSource(models: [
                Self.model("11111111-2222-3333-4444-555555555555", language: "en-US", words),
            ]), options: .init())
            let result = try await RestoreDrill.run(store: live.store, snapshot: summary.snapshotID, target: live.client)
            #expect(result.status == .failed)
            #expect(result.rejectedEntries == 1)
            #expect(result.report.models[0].rejections.map(\.word) == ["two words"])
        }
    }

    @Test func theDrillInstanceAcceptsEveryLanguageOfTheSnapshot() async throws {
        // A language the emulator's default list lacks (the service adds voices over time) must not fail a drill.
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let summary = try await Snapshotter.run(store: store, source: ScriptedSource(models: [
            Self.model("aaaaaaaa-2222-3333-4444-555555555555", language: "xx-XX", [WordEntry(word: "hello", translation: "hullo")]),
        ]), options: .init())
        let languages = try RestoreDrill.languages(store: store, snapshot: summary.snapshotID)
        #expect(languages == ["xx-XX"])
        let configuration = EmulatorConfiguration(rules: ServiceRules(languages: ServiceRules.defaultLanguages.union(languages)))
        try await Live.with(configuration) { live in
            let result = try await RestoreDrill.run(store: store, snapshot: summary.snapshotID, target: live.client)
            #expect(result.status == .passed && result.words == 1)
        }
    }
}
