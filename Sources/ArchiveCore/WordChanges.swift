// Step 2 of the diff pipeline (merged); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import TTSAPI

/// The changed words of one model, kept as references into the rows a diff read rather than as Strings. A
/// long-range diff lists tens of thousands of changes; a String (or three) and a struct for each cost more than
/// finding them, and `--json` and the text output copy the bytes straight out again. Elements are made into
/// ``WordChange`` values only when read one by one.
public struct WordChanges: Sendable {
    /// The rows both sides' records point into; every model of a diff shares them.
    final class Sides: Sendable {
        /// Rows of the `from` side (old values) and of the `to` side (new values).
        let old: PackedWords, new: PackedWords
        init(old: PackedWords, new: PackedWords) { self.old = old; self.new = new }
    }

    struct Record: Sendable {
        var change: ChangeKind
        /// Row indices in `sides.old` and `sides.new`; -1 for none (an added word has no old row).
        var old: Int32, new: Int32
    }

    let sides: Sides
    let records: ArraySlice<Record>

    init(sides: Sides, records: ArraySlice<Record>) {
        self.sides = sides
        self.records = records
    }

    private static let noSides = Sides(old: PackedWords(), new: PackedWords())

    /// Packs changes made elsewhere (a comparison of materialized models, a stored report).
    public init<S: Sequence>(_ changes: S) where S.Element == WordChange {
        var old = PackedWords(), new = PackedWords()
        var records: [Record] = []
        for c in changes {
            let o = c.old.map { old.append(word: c.word, $0) } ?? -1
            // The word is read from the new row, else the old one: a change with neither gets a row of only a word.
            let n = c.new != nil || o < 0 ? new.append(word: c.word, c.new) : -1
            records.append(Record(change: c.change, old: o, new: n))
        }
        self.init(sides: records.isEmpty ? Self.noSides : Sides(old: old, new: new), records: records[...])
    }

    /// The same changes seen from the other side: added and removed swap, old and new values too.
    var inverted: WordChanges {
        let flipped = records.map { r in
            Record(change: r.change == .added ? .removed : (r.change == .removed ? .added : .changed), old: r.new, new: r.old)
        }
        return WordChanges(sides: Sides(old: sides.new, new: sides.old), records: flipped[...])
    }

    /// The changes at `range` (positions in this list).
    public func slice(_ range: Range<Int>) -> WordChanges {
        let base = records.startIndex
        return WordChanges(sides: sides, records: records[(base + range.lowerBound)..<(base + range.upperBound)])
    }

    var counts: WordCounts {
        var c = WordCounts()
        for r in records { c.count(r.change) }
        return c
    }
}

extension WordChanges: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { records.count }

    public subscript(i: Int) -> WordChange {
        let r = records[records.startIndex + i]
        let o = r.old >= 0 ? sides.old.texts(Int(r.old)) : nil, n = r.new >= 0 ? sides.new.texts(Int(r.new)) : nil
        return WordChange(change: r.change, word: n?.word ?? o!.word, old: o?.translation, new: n?.translation)
    }
}

extension WordChanges: ExpressibleByArrayLiteral, Equatable, Codable {
    public init(arrayLiteral elements: WordChange...) { self.init(elements) }

    public static func == (a: WordChanges, b: WordChanges) -> Bool { a.elementsEqual(b) }

    public init(from decoder: any Decoder) throws {
        self.init(try [WordChange](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try Array(self).encode(to: encoder)
    }
}

/// One change's text as bytes, valid only inside the call that hands it over.
public struct WordChangeBytes {
    public var change: ChangeKind
    public var word: UnsafeBufferPointer<UInt8>
    public var old: TranslationBytes?, new: TranslationBytes?
}

public struct TranslationBytes {
    public var translation: UnsafeBufferPointer<UInt8>
    public var partOfSpeech: UnsafeBufferPointer<UInt8>?
}

extension WordChanges {
    /// Calls `body` with each change's bytes, in order, without making Strings. The bytes are valid UTF-8:
    /// rows read from the archive were checked (and repaired) when read, see ``PackedWords/read(_:)``.
    public func forEachBytes(_ body: (WordChangeBytes) -> Void) {
        sides.old.withRows { old in
            sides.new.withRows { new in
                for r in records {
                    let o = r.old >= 0 ? old.texts(Int(r.old)) : nil, n = r.new >= 0 ? new.texts(Int(r.new)) : nil
                    body(WordChangeBytes(change: r.change, word: n?.word ?? o!.word, old: o?.translation, new: n?.translation))
                }
            }
        }
    }
}
