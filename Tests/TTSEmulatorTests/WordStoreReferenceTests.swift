import Basics
import Testing
import TTSAPI
@testable import TTSEmulator

/// Random add, update, delete and get sequences against the plainest model of the service's word semantics: a
/// dictionary keyed by UTF-8 bytes, applied entry by entry in request order, listed by sorting its keys.
@Suite struct WordStoreReferenceTests {
    struct Reference {
        var words: [[UInt8]: WordEntry] = [:]
        /// The last request's words: after an in-order batch, the model's newest run.
        var recent: [String] = []

        mutating func add(_ entries: [WordEntry]) {
            for e in entries { words[Array(e.word.utf8)] = e }
            if !entries.isEmpty { recent = entries.map(\.word) }
        }

        var listed: [WordEntry] {
            words.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
        }
    }

    /// Short words over a few letters (many collisions), both spellings of `é`, upper and lower case.
    static func word(_ rng: inout SplitMix64) -> String {
        let pieces = ["a", "b", "B", "é", "e\u{301}", "z", "日"]
        return (0...rng.below(3)).map { _ in rng.pick(pieces) }.joined()
    }

    /// Half the time a word of the last request or of the model (which may be gone by now).
    static func word(_ rng: inout SplitMix64, or ref: Reference) -> String {
        if rng.chance(0.5) || ref.words.isEmpty { return word(&rng) }
        return rng.chance(0.5) && !ref.recent.isEmpty ? rng.pick(ref.recent) : rng.pick(ref.listed).word
    }

    static func batch(_ rng: inout SplitMix64, _ ref: Reference, _ serial: Int) -> [WordEntry] {
        let n = rng.below(12)
        var words = (0..<n).map { _ in word(&rng) }
        switch rng.below(4) {
        case 0: break  // request order, duplicates likely
        case 1: words = Array(Set(words.map { Array($0.utf8) })).sorted { $0.lexicographicallyPrecedes($1) }
            .map { String(decoding: $0, as: UTF8.self) }  // sorted, no duplicates
        default:
            // Beyond every key so far, in order: what a restore sends. 🚀 sorts after all the pieces above.
            words = (0..<n).map { "🚀" + String(1_000_000 + 1000 * serial + $0) }
        }
        // Each entry its own translation, so which duplicate won shows.
        return words.enumerated().map { WordEntry(word: $1, translation: "t\(serial).\($0)", partOfSpeech: nil) }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomOperationsMatchTheReference(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let s = ServiceInstance()
        let id = try s.createModel(CreateModelRequest(name: "m"))
        var ref = Reference()
        for serial in 0..<400 {
            switch rng.below(6) {
            case 0:
                let w = Self.word(&rng, or: ref)
                let present = ref.words.removeValue(forKey: Array(w.utf8)) != nil
                if present {
                    try s.deleteWord(id: id, word: w)
                } else {
                    #expect(throws: ErrorAnswer.wordNotFound(w)) { try s.deleteWord(id: id, word: w) }
                }
            case 1:
                let w = Self.word(&rng, or: ref)
                let t = try? s.word(id: id, word: w)
                #expect(t?.translation == ref.words[Array(w.utf8)]?.translation, "\(w)")
            case 2:
                let b = Self.batch(&rng, ref, serial)
                try s.updateModel(id: id, UpdateModelRequest(words: b))
                ref.add(b)
            default:
                let b = Self.batch(&rng, ref, serial)
                try s.addWords(id: id, b)
                ref.add(b)
            }
            // get-model reads the runs as they are; list-words (every tenth step) joins them.
            let words = serial % 10 == 9 ? try s.words(id: id) : try CustomModel.decodeFast(s.encodedModelBytes(id: id)).words ?? []
            #expect(words.map { Array($0.word.utf8) } == ref.listed.map { Array($0.word.utf8) })
            #expect(words.map(\.translation) == ref.listed.map(\.translation))
            guard words.count == ref.words.count else { return }
        }
        #expect(ref.words.count > 20)
    }
}
