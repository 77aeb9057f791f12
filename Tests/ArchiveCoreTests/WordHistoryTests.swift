import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

@Suite struct WordHistoryTests {
    let dir: TempDir
    let store: ArchiveStore
    let source = Fixtures.standardSource()
    let general = "aaaaaaaa-0000-0000-0000-000000000001"
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    func setWord(_ word: String, _ translation: String?) {
        source.edit(general) { m in
            m.words!.removeAll { $0.word == word }
            if let translation { m.words!.append(WordEntry(word: word, translation: translation)) }
        }
    }

    /// Night 1: IEEE is "I triple E"; 2: edited; 3: deleted; 4: back; 5: the model is deleted.
    func fiveNights() async throws -> [Int64] {
        var ids: [Int64] = []
        setWord("IEEE", "I triple E")
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        setWord("IEEE", "eye triple E")
        source.edit(general) { $0.name = "General (2027)" }
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        setWord("IEEE", nil)
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        setWord("IEEE", "I E E E")
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        source.delete(general)
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        return ids
    }

    @Test func everyVersionOfAWordWithHowItEnded() async throws {
        let s = try await fiveNights()
        let versions = try WordHistory(store).versions(of: .exact("IEEE"))
        #expect(versions.map(\.translation) == ["I triple E", "eye triple E", "I E E E"])
        #expect(versions.map(\.firstSnapshot) == [s[0], s[1], s[3]])
        #expect(versions.map(\.endSnapshot) == [s[1], s[2], s[4]])
        #expect(versions.map(\.end) == [.changed, .removed, .modelRemoved])
        #expect(versions.map(\.modelName) == ["General", "General (2027)", "General (2027)"])
        #expect(versions.allSatisfy { $0.customizationID == general })
        // Byte-exact by default; case-folded and LIKE on request.
        #expect(try WordHistory(store).versions(of: .exact("ieee")).isEmpty)
        #expect(try WordHistory(store).versions(of: .ignoringCase("ieee")).count == 3)
        #expect(try WordHistory(store).versions(of: .like("IE%")).count == 3)
        #expect(try WordHistory(store).versions(of: .exact("ＮＹＣ")).map(\.partOfSpeech) == ["Koyu"])
    }

    @Test func forgottenSnapshotsAreSkipped() async throws {
        let s = try await fiveNights()
        // Forget night 2: the edit is then first seen... nowhere (night 3 deleted it again), so night 1's
        // version ends at night 3, where the word was gone.
        _ = try ArchiveMaintenance(store).forget([s[1]], vacuum: false)
        let versions = try WordHistory(store).versions(of: .exact("IEEE"))
        #expect(versions.map(\.translation) == ["I triple E", "I E E E"])
        #expect(versions.map(\.endSnapshot) == [s[2], s[4]])
        #expect(versions.map(\.end) == [.removed, .modelRemoved])
    }

    @Test func scopeLimitsAndExplains() async throws {
        let s = try await fiveNights()
        let history = WordHistory(store)
        // A model named by a name it had once.
        #expect(try history.versions(of: .exact("IEEE"), scope: .init(models: ["General"])).count == 3)
        #expect(try history.versions(of: .exact("IEEE"), scope: .init(models: ["日本語"])).isEmpty)
        #expect(throws: ModelFilterError.self) { try history.versions(of: .exact("IEEE"), scope: .init(models: ["Genreal"])) }
        #expect(throws: HistoryError.self) { try history.versions(of: .exact("IEEE"), scope: .init(sources: ["http://nowhere"])) }
        let records = try SnapshotReader(store).all()
        let night2 = SnapshotSelector.parseTime(records[1].finishedAt)!
        let night4 = SnapshotSelector.parseTime(records[3].finishedAt)!
        // Versions valid at some time in the window: the second (nights 2-3) only... unless the window reaches night 4.
        #expect(try history.versions(of: .exact("IEEE"), scope: .init(since: night2, until: night2)).map(\.firstSnapshot) == [s[1]])
        #expect(try history.versions(of: .exact("IEEE"), scope: .init(since: night4)).map(\.firstSnapshot) == [s[3]])
    }

    func counts(_ step: WordHistory.Step) -> [Int] { [step.wordsAdded, step.wordsRemoved, step.wordsChanged] }

    @Test func aModelsHistoryStepByStep() async throws {
        let s = try await fiveNights()
        let histories = try WordHistory(store).modelHistories(scope: .init(models: [general]), words: true)
        #expect(histories.count == 1)
        let steps = histories[0].steps
        #expect(steps.map(\.snapshot) == [s[0], s[1], s[2], s[3], s[4]])
        #expect(steps.map(\.kind) == [.added, .changed, .changed, .changed, .removed])
        #expect(steps[1].metadata == [FieldChange(field: "name", old: "General", new: "General (2027)")])
        #expect(counts(steps[1]) == [0, 0, 1])
        #expect(counts(steps[2]) == [0, 1, 0])
        #expect(counts(steps[3]) == [1, 0, 0])
        let night1 = try SnapshotReader(store).models(in: s[0]).first { $0.customizationID == general }
        #expect(steps[0].words == night1?.words?.count)
        #expect(steps[3].words == steps[0].words)
        #expect(steps[1].changes == [WordChange(change: .changed, word: "IEEE", old: Translation(translation: "I triple E"),
                                                new: Translation(translation: "eye triple E"))])
        // An unchanged model has one step; nights that changed nothing of it are not steps.
        let japanese = try WordHistory(store).modelHistories(scope: .init(models: ["日本語"]))
        #expect(japanese.map { $0.steps.map(\.snapshot) } == [[s[0]]])
    }
}
