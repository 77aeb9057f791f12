import Basics
import Foundation
import Testing
import TTSAPI
@testable import TTSEmulator

/// The model's word store: in-order batches are appended, everything else merges sorted runs; both must give
/// exactly the service's semantics (overwrite on re-add, last duplicate wins, limit counts new keys only).
@Suite struct WordStoreTests {
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    static func entries(_ words: [String], _ translation: String = "t") -> [WordEntry] {
        words.map { WordEntry(word: $0, translation: "\(translation) \($0)") }
    }

    /// `w00000`, `w00001`, ...: already in service order.
    static func keys(_ range: Range<Int>, prefix: String = "w") -> [String] {
        range.map { prefix + String(format: "%05d", $0) }
    }

    static func newModel() throws -> (ServiceInstance, String) {
        let s = ServiceInstance()
        return (s, try s.createModel(CreateModelRequest(name: "m")))
    }

    /// What get-model sends, decoded, must list the same words as the in-memory listing.
    static func listed(_ s: ServiceInstance, _ id: String) throws -> [WordEntry] {
        let words = try s.words(id: id)
        let wire = try CustomModel.decodeFast(try s.encodedModelBytes(id: id))
        #expect(wire.words == words)
        #expect(try s.model(id: id).words == words)
        return words
    }

    @Test func inOrderBatchesAreAppendedAndListedInServiceOrder() throws {
        let (s, id) = try Self.newModel()
        // Upper case, lower case, then non-ASCII: UTF-8 byte order, as a restore sends them.
        let all = (Self.keys(0..<1500, prefix: "A") + Self.keys(0..<1500, prefix: "a") + Self.keys(0..<500, prefix: "é"))
        #expect(all == all.sorted(by: WordEntry.serviceOrder))
        for start in stride(from: 0, to: all.count, by: 1000) {
            try s.addWords(id: id, Self.entries(Array(all[start..<min(start + 1000, all.count)])))
        }
        #expect(try Self.listed(s, id) == Self.entries(all))
        #expect(try s.word(id: id, word: "a00042").translation == "t a00042")
        #expect(s.counts.words == all.count)
    }

    @Test func onlyBatchesBeyondTheLastKeyAreAppended() throws {
        let m = StoredModel(meta: ModelMetadata(id: "", owner: "", created: "", lastModified: "", name: "", language: "", description: ""))
        func add(_ words: [String]) -> WordMerge {
            let batch = WordBatch(Self.entries(words))
            let plan = m.plan(batch)
            m.merge(batch, plan)
            return plan
        }
        #expect(add(["b", "c"]).slots == nil)
        #expect(add(["d", "e"]).slots == nil)
        #expect(m.runCount == 2)
        #expect(m.translation(of: "d")?.translation == "t d")
        #expect(add(["e", "f"]).slots != nil)  // starts at the last key: an overwrite
        #expect(m.runCount == 1)
        #expect(add(["a"]).slots != nil)
        #expect(add(["h", "g"]).slots == nil)  // sorted first, then beyond the last key
        #expect(add(["j", "g"]).slots != nil)
        #expect(m.words.map(\.word) == ["a", "b", "c", "d", "e", "f", "g", "h", "j"])
        #expect(add(["k", "k"]).added == 1)
        #expect(add(["i", "k", "l", "i"]).added == 2)
        #expect(m.wordCount == 12)
        // One-word adds in order: runs are joined before they pile up.
        for c in "mnopqrstuvwxyz" { _ = add([String(c)]) }
        #expect(m.runCount > 1 && m.runCount <= StoredModel.maxRuns)
        #expect(m.translation(of: "x")?.translation == "t x" && m.translation(of: "x1") == nil)
        #expect(m.removeWord("y") && !m.removeWord("y") && m.wordCount == 25)
        #expect(m.words.map(\.word) == "abcdefghijklmnopqrstuvwxz".map(String.init))
        #expect(m.translation(of: "z")?.translation == "t z" && m.translation(of: "y") == nil)
    }

    @Test func outOfOrderAddsAfterAppendsMergeIntoOrder() throws {
        let (s, id) = try Self.newModel()
        try s.addWords(id: id, Self.entries(Self.keys(0..<1000)))
        try s.addWords(id: id, Self.entries(Self.keys(1000..<2000)))
        let extra = ["w01500x", "A", "w00000a", "zzz", "w00999z", "w00001"]
        try s.addWords(id: id, Self.entries(extra, "new"))
        try s.addWords(id: id, Self.entries(["w00002a", "w00003a"], "sorted"))  // sorted, inside the range
        let words = try Self.listed(s, id)
        let expected = Set(Self.keys(0..<2000) + extra + ["w00002a", "w00003a"])
        #expect(words.map(\.word) == expected.sorted(by: WordEntry.serviceOrder))
        #expect(try s.word(id: id, word: "w00001").translation == "new w00001")
        #expect(try s.word(id: id, word: "w00002").translation == "t w00002")
        #expect(try s.word(id: id, word: "w00003a").translation == "sorted w00003a")
    }

    @Test func reAddingInsideAppendedRangeOverwrites() throws {
        let (s, id) = try Self.newModel()
        let all = Self.keys(0..<3000)
        for start in stride(from: 0, to: 3000, by: 1000) { try s.addWords(id: id, Self.entries(Array(all[start..<start + 1000]))) }
        let every7th = stride(from: 0, to: 3000, by: 7).map { all[$0] }
        try s.addWords(id: id, Self.entries(every7th, "again"))
        var words = try Self.listed(s, id)
        #expect(words.count == 3000)
        for (i, w) in words.enumerated() { #expect(w.translation == (i % 7 == 0 ? "again " : "t ") + all[i]) }
        // All of them again, plus new keys in between and beyond.
        try s.addWords(id: id, Self.entries((all + all.map { $0 + "b" }).sorted(by: WordEntry.serviceOrder), "third"))
        words = try Self.listed(s, id)
        #expect(words.count == 6000)
        #expect(words.allSatisfy { $0.translation == "third " + $0.word })
    }

    @Test func deleteThenAddThenList() throws {
        let (s, id) = try Self.newModel()
        try s.addWords(id: id, Self.entries(Self.keys(0..<100)))
        for w in ["w00000", "w00050", "w00099"] { try s.deleteWord(id: id, word: w) }
        #expect(throws: ErrorAnswer.wordNotFound("w00050")) { try s.deleteWord(id: id, word: "w00050") }
        #expect(throws: ErrorAnswer.wordNotFound("w00099")) { try s.word(id: id, word: "w00099") }
        #expect(try Self.listed(s, id).map(\.word) == Self.keys(1..<99).filter { $0 != "w00050" })
        try s.addWords(id: id, Self.entries(["w00099", "w00100"], "back"))  // beyond the last again
        try s.addWords(id: id, Self.entries(["w00050", "w00000"], "back"))
        let words = try Self.listed(s, id)
        #expect(words.map(\.word) == Self.keys(0..<101))
        #expect(words.filter { $0.translation.hasPrefix("back") }.map(\.word) == ["w00000", "w00050", "w00099", "w00100"])
    }

    @Test func duplicatesInOneRequestLastWinsOnBothPaths() throws {
        let (s, id) = try Self.newModel()
        let inOrder = [WordEntry(word: "b", translation: "1"), WordEntry(word: "c", translation: "2"),
                       WordEntry(word: "c", translation: "3")]
        try s.addWords(id: id, inOrder)  // in order and beyond, but for the duplicate
        #expect(try Self.listed(s, id) == [WordEntry(word: "b", translation: "1"), WordEntry(word: "c", translation: "3")])
        let mixed = [WordEntry(word: "c", translation: "4"), WordEntry(word: "a", translation: "5"),
                     WordEntry(word: "d", translation: "6"), WordEntry(word: "a", translation: "7"),
                     WordEntry(word: "c", translation: "8"), WordEntry(word: "d", translation: "9")]
        try s.addWords(id: id, mixed)
        #expect(try Self.listed(s, id).map(\.translation) == ["7", "1", "8", "9"])
        try s.updateModel(id: id, UpdateModelRequest(words: [WordEntry(word: "e", translation: "x"), WordEntry(word: "e", translation: "y")]))
        #expect(try s.word(id: id, word: "e").translation == "y")
    }

    @Test func limitCountsOnlyNewKeysOnBothPaths() throws {
        let (s, id) = try Self.newModel()
        let max = ServiceLimits.maxWordsPerModel
        let base = Self.keys(0..<(max - 10))
        try s.addWords(id: id, Self.entries(Array(base[..<10_000])))
        try s.addWords(id: id, Self.entries(Array(base[10_000...])))
        let before = try Self.listed(s, id)

        // Beyond the last key: 11 new ones do not fit, 10 do.
        let tooMany = Self.entries(Self.keys(max..<(max + 11)))
        #expect(throws: ErrorAnswer.badRequest(
            "Adding 11 new words would exceed the limit of \(max) entries per custom model (it has \(max - 10))")) {
            try s.addWords(id: id, tooMany)
        }
        #expect(try Self.listed(s, id) == before)
        // In between: 9 new keys plus every existing one; duplicates of a new key count once.
        let between = Self.keys(0..<9).map { $0 + "x" }
        var rng = SplitMix64(seed: 3)
        try s.addWords(id: id, Self.entries((base + between + [between[0]]).shuffled(using: &rng)))
        #expect(s.wordCount(id: id) == max - 1)
        #expect(throws: ErrorAnswer.self) { try s.addWords(id: id, Self.entries(["w00000y", "w00000z", "w00001"])) }
        try s.addWords(id: id, Self.entries(["w00000y", "w00001", "w00000y"]))
        #expect(s.wordCount(id: id) == max)
        // Full: re-adding existing words still works, one new word does not.
        try s.addWords(id: id, Self.entries(base))
        #expect(throws: ErrorAnswer.self) { try s.addWords(id: id, Self.entries(["w99999"])) }
        #expect(throws: ErrorAnswer.self) { try s.updateModel(id: id, UpdateModelRequest(name: "n", words: Self.entries(["A"]))) }
        #expect(try s.model(id: id).name == "m")
        #expect(s.wordCount(id: id) == max)
    }

    @Test func canonicallyEquivalentSpellingsStayTwoEntries() throws {
        #expect(Self.precomposed == Self.decomposed)  // to Swift's String; not to the service
        #expect(Array(Self.decomposed.utf8).lexicographicallyPrecedes(Self.precomposed.utf8))
        let (s, id) = try Self.newModel()
        // One request in byte order (appended), then each spelling again on the merge path.
        try s.addWords(id: id, [WordEntry(word: Self.decomposed, translation: "d1"), WordEntry(word: Self.precomposed, translation: "p1")])
        #expect(try Self.listed(s, id).map(\.translation) == ["d1", "p1"])
        try s.addWords(id: id, [WordEntry(word: Self.precomposed, translation: "p2"), WordEntry(word: "a", translation: "a2"),
                                WordEntry(word: Self.decomposed, translation: "d2")])
        try s.setWord(id: id, word: Self.precomposed, Translation(translation: "p3"))
        let words = try Self.listed(s, id)
        #expect(words.map { Array($0.word.utf8) } == ["a", Self.decomposed, Self.precomposed].map { Array($0.utf8) })
        #expect(words.map(\.translation) == ["a2", "d2", "p3"])
        #expect(try s.word(id: id, word: Self.decomposed).translation == "d2")
        try s.deleteWord(id: id, word: Self.decomposed)
        #expect(throws: ErrorAnswer.self) { try s.word(id: id, word: Self.decomposed) }
        #expect(try s.word(id: id, word: Self.precomposed).translation == "p3")
        #expect(try Self.listed(s, id).map(\.translation) == ["a2", "p3"])
    }
}
