import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

@Suite struct DiffTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    /// Deterministic pseudo-random numbers for generated churn.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    /// A night of random edits: translations, parts of speech, adds, deletes, renames, model adds and deletes.
    func churn(_ source: ScriptedSource, _ rng: inout SplitMix, night: Int) {
        for m in source.current() {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: source.delete(m.customizationID); continue
            case 1: source.edit(m.customizationID) { $0.name = ($0.name ?? "") + "'" }
            default: break
            }
            source.edit(m.customizationID) { model in
                for _ in 0..<Int.random(in: 0...4, using: &rng) {
                    guard !model.words!.isEmpty else { break }
                    let i = Int.random(in: 0..<model.words!.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: model.words!.remove(at: i)
                    case 1: model.words!.append(WordEntry(word: "n\(night)-\(i)", translation: "added \(night)"))
                    case 2 where model.language == "ja-JP": model.words![i].partOfSpeech = PartOfSpeech.allValues.randomElement(using: &rng)
                    default: model.words![i].translation += " \(night)"
                    }
                }
            }
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            source.put(CustomModel(customizationID: "bbbbbbbb-0000-0000-0000-\(String(format: "%012d", night))", name: "General", language: "en-US",
                                   words: Fixtures.words(5, prefix: "m\(night)-")))
        }
    }

    @Test func fastDiffEqualsFullComparisonForEveryPair() async throws {
        let source = Fixtures.standardSource()
        var rng = SplitMix(state: 7)
        var ids: [Int64] = []
        for night in 0..<8 {
            if night > 0 { churn(source, &rng, night: night) }
            ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        }
        let engine = SnapshotDiff(store)
        let reader = SnapshotReader(store)
        for a in ids {
            for b in ids {
                let fast = try engine.between(a, b)
                let full = ContentDiff.compare(try reader.models(in: a), try reader.models(in: b),
                                               from: "snapshot \(a)", to: "snapshot \(b)", matchBy: .id)
                #expect(fast == full, "snapshots \(a) -> \(b)")
                if a == b { #expect(fast.summary.isEmpty) }
            }
        }
        // The stored change counts agree with the diff against the previous snapshot.
        for (prev, next) in zip(ids, ids.dropFirst()) {
            let s = try engine.between(prev, next).summary
            let r = try #require(try reader.snapshot(next))
            let diffCounts: [Int] = [s.modelsAdded, s.modelsRemoved, s.wordsAdded, s.wordsRemoved, s.wordsChanged]
            let recorded: [Int] = [r.modelsAdded, r.modelsRemoved, r.wordsAdded, r.wordsRemoved, r.wordsChanged]
            #expect(diffCounts == recorded)
        }
    }

    @Test func everyKindOfChangeIsReported() async throws {
        let source = Fixtures.standardSource()
        let a = try await Snapshotter.run(store: store, source: source).snapshotID
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { m in
            m.name = "Renamed"
            m.description = "new description"
            m.words!.removeAll { $0.word == "TCP/IP" }
            m.words!.append(WordEntry(word: "a b", translation: "with a space"))
            if let i = m.words!.firstIndex(where: { $0.word == "cafe\u{301}" }) { m.words![i].translation = "decomposed, edited" }
        }
        source.edit("aaaaaaaa-0000-0000-0000-000000000002") { m in
            m.words![0].partOfSpeech = "Koyu"
            m.prompts = []
        }
        let b = try await Snapshotter.run(store: store, source: source).snapshotID
        let d = try SnapshotDiff(store).between(a, b)
        #expect(d.summary.modelsChanged == 2)
        #expect(d.summary.wordsAdded == 1 && d.summary.wordsRemoved == 1 && d.summary.wordsChanged == 2)
        let general = try #require(d.models.first { $0.fromCustomizationID == "aaaaaaaa-0000-0000-0000-000000000001" })
        #expect(general.metadata.map(\.field) == ["name", "description"])
        #expect(general.words.first { $0.change == .changed }?.word == "cafe\u{301}")
        #expect(general.words.first { $0.change == .removed }?.old?.translation == "T C P I P")
        let japanese = try #require(d.models.first { $0.language == "ja-JP" })
        #expect(japanese.words == [WordChange(change: .changed, word: "ＮＹ", old: Translation(translation: "ニューヨーク", partOfSpeech: "Mesi"),
                                              new: Translation(translation: "ニューヨーク", partOfSpeech: "Koyu"))])
        #expect(japanese.prompts.map(\.change) == [.removed])
        // Filters.
        #expect(try SnapshotDiff(store).between(a, b, filter: ModelFilter(languages: ["ja-JP"])).models.count == 1)
        #expect(try SnapshotDiff(store).between(a, b, filter: ModelFilter(models: ["Renamed"])).models.count == 1)
    }

    @Test func recreatedModelIsRemovedPlusAddedByIdButChangedByName() async throws {
        let source = Fixtures.standardSource()
        let a = try await Snapshotter.run(store: store, source: source).snapshotID
        let old = source.current()[0]
        source.delete(old.customizationID)
        var again = old
        again.customizationID = "cccccccc-0000-0000-0000-000000000001"
        again.words![0].translation = "changed on re-creation"
        source.put(again)
        let b = try await Snapshotter.run(store: store, source: source).snapshotID
        let byID = try SnapshotDiff(store).between(a, b)
        #expect(byID.summary.modelsAdded == 1 && byID.summary.modelsRemoved == 1)
        let byName = try SnapshotDiff(store).between(a, b, matchBy: .name)
        #expect(byName.summary.modelsChanged == 1 && byName.summary.wordsChanged == 1)
        #expect(byName.models[0].fromCustomizationID != byName.models[0].toCustomizationID)
    }
}
