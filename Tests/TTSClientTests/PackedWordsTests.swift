import Foundation
@testable import TTSAPI
import Testing

/// A restore sends and verifies words as bytes (`PackedWords`); every byte it sends must be what the String
/// path (`WordEntry` and ``JSONWriter/wordList(_:)``) sent before.
@Suite struct PackedWordsTests {
    static let awkward = FastDecodingTests.awkward

    @Test func addWordsBodiesAreTheStringPathsBytes() {
        let packed = PackedWords(Self.awkward)
        #expect(packed.count == Self.awkward.count && packed.entries == Self.awkward)
        for range in [0..<Self.awkward.count, 0..<1, 3..<7, 9..<10, 4..<4] {
            #expect(JSONWriter.wordList(packed, range) == JSONWriter.wordList(Self.awkward[range]), "\(range)")
        }
        // No part of speech and an empty one are different entries.
        let pos = [WordEntry(word: "a", translation: "b"), WordEntry(word: "a", translation: "b", partOfSpeech: "")]
        #expect(JSONWriter.wordList(PackedWords(pos), 0..<2) == JSONWriter.wordList(pos))
        #expect(PackedWords(pos[0...0]) != PackedWords(pos[1...1]))
    }

    @Test func rawBytesAreKeptWhenUTF8AndRepairedAsStringsRepairThem() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [[0x41], [0xC3, 0xA9], [0xE3, 0x81, 0x82], [0xF0, 0x9F, 0x9A, 0x80], [0xFF], [0xC0, 0x80],
                                 [0xE3, 0x81], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE0, 0x9F, 0x80],
                                 [0xF0, 0x8F, 0xBF, 0xBF], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0x22], [0x5C], [0x01],
                                 Array("ASCII run".utf8)]
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...12, using: &rng)).flatMap { _ in pieces.randomElement(using: &rng)! }
            var packed = PackedWords()
            bytes.withUnsafeBytes { raw in packed.append(word: raw, translation: raw, partOfSpeech: nil) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(JSONWriter.wordList(packed, 0..<1) == JSONWriter.wordList([WordEntry(word: text, translation: text)]), "\(bytes)")
            let valid = bytes.withUnsafeBufferPointer { UTF8Check.isValid($0) }
            #expect(valid == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    /// The writer and the scanner test eight bytes at a time for quotes, backslashes and control characters;
    /// wherever those fall, the output must be JSONEncoder's and must read back exactly.
    @Test func specialBytesAnywhereInLongStringsAreEscapedAndReadBack() throws {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["abcdefghij", "x", "\"", "\\", "\n", "\u{01}", "\u{1F}", "\u{7F}", "é", "ニュー", "🚀", "/", " ", "ph=\"ˈtʃiːz\""]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for _ in 0..<500 {
            func text() -> String { (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
            let entries = (0..<3).map { _ in WordEntry(word: text(), translation: text(), partOfSpeech: Bool.random(using: &rng) ? text() : nil) }
            var w = JSONWriter()
            w.string(entries[0].translation)
            #expect(w.bytes == Array(try encoder.encode(entries[0].translation)), "\(entries[0].translation.debugDescription)")
            let body = JSONWriter.wordList(PackedWords(entries), 0..<3)
            #expect(try WordList.decodeFast(body).words == entries)
            let model = Array(#"{"customization_id":"c","words":"#.utf8) + body.dropFirst(#"{"words":"#.utf8.count)
            #expect(try model.withUnsafeBytes { try CustomModel.decodeFastPackingWords($0) }.1 == PackedWords(entries))
            #expect(try Array(#"{"customization_id":"c","words":[]}"#.utf8).withUnsafeBytes { try CustomModel.decodeFastPackingWords($0) }.1 == PackedWords())
        }
    }

    /// The pointer comparison takes a shortcut through the first eight bytes: it must order exactly as comparing
    /// the bytes one by one does, for every length around eight and with zero bytes (which pad short prefixes).
    @Test func byteOrderOfSpansIsLexicographicOrder() {
        var state: UInt64 = 7
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let alphabet: [UInt8] = [0, 1, 0x61, 0x62, 0x7F, 0x80, 0xC3, 0xFF]
        let spans = (0..<600).map { _ in (0..<Int(next() % 12)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] } }
        for a in spans {
            for b in spans.prefix(150) {
                let expected = a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
                let got = a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        ByteOrder.compare(x.baseAddress ?? UnsafePointer(bitPattern: 1)!, x.count, y.baseAddress ?? UnsafePointer(bitPattern: 1)!, y.count)
                    }
                }
                #expect(got.signum() == expected, "\(a) vs \(b)")
                if got.signum() != expected { return }
            }
        }
    }

    @Test func sortingOrdersByWordBytesAndEqualityIsByteExact() {
        let words = ["b", "B", "a", "é", "e\u{301}", "", "ab", "a\u{0}"].map { WordEntry(word: $0, translation: "t-\($0)") }
        var packed = PackedWords(words)
        #expect(!packed.isSorted)
        packed.sort()
        #expect(packed.isSorted)
        let sorted = words.sorted { ByteOrder.compare($0.word, $1.word) < 0 }
        #expect(packed.entries == sorted)
        #expect(packed == PackedWords(sorted))
        #expect(JSONWriter.wordList(packed, 0..<packed.count) == JSONWriter.wordList(sorted))
        // Canonically equivalent spellings are equal Strings but different entries.
        #expect(PackedWords([WordEntry(word: "é", translation: "x")]) != PackedWords([WordEntry(word: "e\u{301}", translation: "x")]))
        // Same bytes split differently between word and translation are different entries.
        #expect(PackedWords([WordEntry(word: "ab", translation: "c")]) != PackedWords([WordEntry(word: "a", translation: "bc")]))
        #expect(PackedWords() == PackedWords([]) && PackedWords().isSorted)
        #expect(PackedWords([WordEntry(word: "a", translation: "b"), WordEntry(word: "a", translation: "c")]).isSorted == false)
    }
}
