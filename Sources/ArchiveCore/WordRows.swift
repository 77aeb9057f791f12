// Step 1 of the diff pipeline (rows read); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import Foundation
import SQLiteDB
import TTSAPI

/// Word rows read for a diff, their text kept as bytes in one buffer. A diff reads every row that started or
/// ended between two snapshots but reports only the differences; a String and an array per row, and a
/// dictionary of arrays per model, cost more than the reading itself.
struct WordRows: Sendable {
    struct Row: Sendable {
        var model: Int64
        /// Offset of the word in `bytes`; the translation and then the part of speech follow it.
        var start: Int
        var wordLength: Int32
        /// -1 in a row that holds only a word (see ``WordChanges/init(_:)``).
        var translationLength: Int32
        /// -1 when the entry has no part of speech.
        var posLength: Int32
    }

    var bytes: [UInt8] = []
    var rows: [Row] = []
    /// Where each piece of `rows` starts, each piece sorted: rows read in pieces are joined without merging them
    /// (the comparison merges them as it goes).
    var pieceStarts: [Int] = [0]

    /// The pieces of `rows` (each sorted), in order.
    var pieces: [Range<Int>] {
        zip(pieceStarts, pieceStarts.dropFirst() + [rows.count]).map { $0..<$1 }
    }

    /// Appends every row of `statement`, whose columns are model, word, translation, part_of_speech. Text is
    /// checked here, once, so that writers can copy it out as valid UTF-8.
    mutating func read(_ statement: Statement) throws {
        let first = rows.count, firstByte = bytes.count
        try statement.forEachRow { r in
            let start = bytes.count
            let word = r.appendBytes(1, to: &bytes) ?? 0
            let translation = r.appendBytes(2, to: &bytes) ?? 0
            let pos = r.appendBytes(3, to: &bytes) ?? -1
            rows.append(Row(model: r.int64(0), start: start, wordLength: Int32(word),
                            translationLength: Int32(translation), posLength: Int32(pos)))
        }
        repairUTF8(rows: first..., bytes: firstByte...)
    }

    /// Checks the text of `rows` (which fill `bytes`) and repairs invalid UTF-8 as `String(decoding:)` would.
    /// An archive holds what Strings wrote; only a damaged one has invalid text. A row of ASCII, as most are,
    /// is checked eight bytes at a time.
    private mutating func repairUTF8(rows range: PartialRangeFrom<Int>, bytes byteRange: PartialRangeFrom<Int>) {
        let valid = withRows { r in
            rows[range].allSatisfy { row in
                let t = row.start + Int(row.wordLength), p = t + Int(row.translationLength)
                let all = UnsafeBufferPointer(start: r.base + row.start, count: p + Int(max(0, row.posLength)) - row.start)
                guard UTF8Check.hasNonASCII(all) else { return true }
                // Valid as a whole and no field starting inside a character: then each field is valid on its own.
                func startsCharacter(_ at: Int, _ length: Int32) -> Bool { length <= 0 || r.base[at] & 0xC0 != 0x80 }
                return UTF8Check.isValid(all) && startsCharacter(t, row.translationLength) && startsCharacter(p, row.posLength)
            }
        }
        guard !valid else { return }
        var repaired = WordRows()
        for i in rows[range].indices {
            let t = texts(i)
            _ = repaired.append(word: t.word, t.translation)
            repaired.rows[repaired.rows.count - 1].model = rows[i].model
        }
        bytes.removeSubrange(byteRange)
        rows.removeSubrange(range)
        let shift = bytes.count
        bytes += repaired.bytes
        rows += repaired.rows.map { var r = $0; r.start += shift; return r }
    }

    /// Sorts by model, then word in byte order (the service's order).
    mutating func sort() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            rows.sort { x, y in
                if x.model != y.model { return x.model < y.model }
                return ByteOrder.compare(base + x.start, Int(x.wordLength), base + y.start, Int(y.wordLength)) < 0
            }
        }
    }
}

extension Array where Element == WordRows.Row {
    /// In `range`, sorted by model: the index of the first row of `model` or a later one (binary search).
    func firstIndex(atOrAfterModel model: Int64, in range: Range<Int>) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].model < model { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Rows and their bytes, borrowed for the length of one call (see ``WordRows/withRows(_:)``).
struct RowBytes {
    let rows: UnsafeBufferPointer<WordRows.Row>
    /// Never dereferenced when there are no rows.
    let base: UnsafePointer<UInt8>

    var count: Int { rows.count }
    func model(_ i: Int) -> Int64 { rows[i].model }

    /// The word, and its translation and part of speech (nil in a row that holds only a word).
    func texts(_ i: Int) -> (word: UnsafeBufferPointer<UInt8>, translation: TranslationBytes?) {
        let r = rows[i]
        let word = UnsafeBufferPointer(start: base + r.start, count: Int(r.wordLength))
        guard r.translationLength >= 0 else { return (word, nil) }
        let t = r.start + Int(r.wordLength), p = t + Int(r.translationLength)
        return (word, TranslationBytes(translation: UnsafeBufferPointer(start: base + t, count: Int(r.translationLength)),
                                       partOfSpeech: r.posLength < 0 ? nil : UnsafeBufferPointer(start: base + p, count: Int(r.posLength))))
    }

    /// Row `i` here against row `j` of `other`: by model, then word in byte order.
    func compare(_ i: Int, _ other: RowBytes, _ j: Int) -> Int {
        let x = rows[i], y = other.rows[j]
        if x.model != y.model { return x.model < y.model ? -1 : 1 }
        return ByteOrder.compare(base + x.start, Int(x.wordLength), other.base + y.start, Int(y.wordLength))
    }

    /// Same translation and part of speech, byte for byte (nil and "" differ).
    func sameContent(_ i: Int, _ other: RowBytes, _ j: Int) -> Bool {
        let x = rows[i], y = other.rows[j]
        guard x.translationLength == y.translationLength, x.posLength == y.posLength else { return false }
        let n = Int(x.translationLength) + Int(max(0, x.posLength))
        return n == 0 || memcmp(base + x.start + Int(x.wordLength), other.base + y.start + Int(y.wordLength), n) == 0
    }
}

extension WordRows {
    func withRows<R>(_ body: (RowBytes) -> R) -> R {
        rows.withUnsafeBufferPointer { r in
            bytes.withUnsafeBufferPointer { b in
                body(RowBytes(rows: r, base: b.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
        }
    }

    /// Row `i`'s text as Strings (invalid UTF-8 repaired).
    func texts(_ i: Int) -> (word: String, translation: Translation?) {
        func string(_ b: UnsafeBufferPointer<UInt8>) -> String { String(decoding: b, as: UTF8.self) }
        return withRows { r in
            let t = r.texts(i)
            return (string(t.word), t.translation.map { Translation(translation: string($0.translation), partOfSpeech: $0.partOfSpeech.map(string)) })
        }
    }

    /// Appends a row of model 0, with no translation when `t` is nil, and returns its index.
    mutating func append(word: String, _ t: Translation?) -> Int32 {
        let start = bytes.count
        bytes.append(contentsOf: word.utf8)
        bytes.append(contentsOf: (t?.translation ?? "").utf8)
        bytes.append(contentsOf: (t?.partOfSpeech ?? "").utf8)
        rows.append(Row(model: 0, start: start, wordLength: Int32(word.utf8.count), translationLength: t.map { Int32($0.translation.utf8.count) } ?? -1,
                        posLength: t?.partOfSpeech.map { Int32($0.utf8.count) } ?? -1))
        return Int32(rows.count - 1)
    }
}

