// Step 1 of the diff pipeline (rows read); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import Foundation
import SQLiteDB
import TTSAPI

/// Word rows read for a diff are a ``PackedWords`` table whose keys are the archive's model keys: text kept as
/// bytes in one buffer. A diff reads every row that started or ended between two snapshots but reports only the
/// differences; a String and an array per row, and a dictionary of arrays per model, cost more than the reading
/// itself.
extension PackedWords {
    /// Appends every row of `statement`, whose columns are model, word, translation, part_of_speech. Text is
    /// checked here, once, so that writers can copy it out as valid UTF-8 (an archive holds what Strings wrote;
    /// only a damaged one has invalid text, repaired as `String(decoding:)` would).
    /// Rows of the models in `skipping` are left out.
    mutating func read(_ statement: Statement, skipping: Set<Int64> = []) throws {
        let first = count
        try statement.forEachRow { r in
            let key = r.int64(0)
            if !skipping.isEmpty, skipping.contains(key) { return }
            appendUnchecked(key: key) { bytes in
                (r.appendBytes(1, to: &bytes) ?? 0, r.appendBytes(2, to: &bytes) ?? 0, r.appendBytes(3, to: &bytes) ?? -1)
            }
        }
        repairUTF8(from: first)
    }

    /// Borrows the rows and their bytes for the length of `body`.
    func withRows<R>(_ body: (RowBytes) -> R) -> R {
        withUnsafeEntries { base, spans in body(RowBytes(spans: spans, base: base)) }
    }

    /// Row `i`'s text as Strings (invalid UTF-8 repaired).
    func texts(_ i: Int) -> (word: String, translation: Translation?) {
        func string(_ b: UnsafeBufferPointer<UInt8>) -> String { String(decoding: b, as: UTF8.self) }
        return withRows { r in
            let t = r.texts(i)
            return (string(t.word), t.translation.map { Translation(translation: string($0.translation), partOfSpeech: $0.partOfSpeech.map(string)) })
        }
    }

    /// `pieces` one after another, each sorted, and where each begins in the result: the bytes in the room the
    /// first one reserved, which usually holds them all.
    static func joined(_ pieces: consuming [PackedWords]) -> (rows: PackedWords, pieces: [Range<Int>]) {
        guard !pieces.isEmpty else { return (PackedWords(), []) }
        var out = PackedWords()
        swap(&out, &pieces[0])
        var ranges = [0..<out.count]
        for p in pieces.dropFirst() {
            let start = out.count
            out.append(contentsOf: p)
            ranges.append(start..<out.count)
        }
        return (out, ranges)
    }
}

extension Array where Element == PackedWords.Span {
    /// In `range`, sorted by key: the index of the first row of model `model` or a later one (binary search).
    func firstIndex(atOrAfterModel model: Int64, in range: Range<Int>) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].key < model { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// A diff's rows and their bytes, borrowed for the length of one call (see ``PackedWords/withRows(_:)``).
struct RowBytes {
    let spans: UnsafeBufferPointer<PackedWords.Span>
    /// Never dereferenced when there are no rows.
    let base: UnsafePointer<UInt8>

    var count: Int { spans.count }
    func model(_ i: Int) -> Int64 { spans[i].key }

    /// The word, and its translation and part of speech (nil in a row that holds only a word).
    func texts(_ i: Int) -> (word: UnsafeBufferPointer<UInt8>, translation: TranslationBytes?) {
        let s = spans[i]
        let word = UnsafeBufferPointer(start: base + s.start, count: Int(s.word))
        guard s.translation >= 0 else { return (word, nil) }
        let t = s.start + Int(s.word), p = t + Int(s.translation)
        return (word, TranslationBytes(translation: UnsafeBufferPointer(start: base + t, count: Int(s.translation)),
                                       partOfSpeech: s.partOfSpeech < 0 ? nil : UnsafeBufferPointer(start: base + p, count: Int(s.partOfSpeech))))
    }

    /// Row `i` here against row `j` of `other`: by model, then word in byte order.
    @inline(__always)
    func compare(_ i: Int, _ other: RowBytes, _ j: Int) -> Int {
        PackedWords.compare(base, spans[i], other.base, other.spans[j])
    }

    /// Same translation and part of speech, byte for byte (nil and "" differ).
    func sameContent(_ i: Int, _ other: RowBytes, _ j: Int) -> Bool {
        let x = spans[i], y = other.spans[j]
        guard x.translation == y.translation, x.partOfSpeech == y.partOfSpeech else { return false }
        let n = Int(max(0, x.translation)) + Int(max(0, x.partOfSpeech))
        return n == 0 || memcmp(base + x.start + Int(x.word), other.base + y.start + Int(y.word), n) == 0
    }
}
