import Foundation

/// Word entries as UTF-8 laid end to end in one buffer, in the order appended: the one byte-packed entry table.
///
/// A restore reads, sends and reads back every entry of a snapshot: hundreds of thousands. As ``WordEntry``s
/// each pass costs three Strings per entry (allocation, UTF-8 check, reference counting); as bytes it costs a
/// copy. Strings are made only where a person will read them (a rejected entry, a difference).
///
/// A diff reads the word rows of many models into one table: each entry then carries its model's key
/// (``Span/key``, 0 where unused), the table is sorted by key and word (``sortByKeyAndWord()``), and an entry of
/// a change that has no translation on one side holds only a word (``Span/translation`` -1). The diff's merge
/// and its view of the rows live beside their user, in ArchiveCore (`WordRowMerge`, `RowBytes`).
public struct PackedWords: Sendable {
    /// Where an entry's text lies in ``bytes``: the word at `start`, then the translation, then the part of
    /// speech, lengths in bytes.
    public struct Span: Sendable, Equatable {
        /// The caller's key of the entry: the archive's model key in a diff's rows; 0 elsewhere.
        public var key: Int64
        public var start: Int
        public var word: Int32
        /// -1 in an entry that holds only a word (a diff's change with no translation on that side).
        public var translation: Int32
        /// -1 when the entry has no part of speech (nil and "" differ).
        public var partOfSpeech: Int32

        @inline(__always)
        var textCount: Int { Int(word) + Int(max(0, translation)) + Int(max(0, partOfSpeech)) }
    }

    public private(set) var bytes: [UInt8] = []
    public private(set) var spans: [Span] = []

    public init() {}

    public init(_ entries: some Sequence<WordEntry>) {
        for e in entries { append(e) }
    }

    public var count: Int { spans.count }
    /// Bytes of every entry's text together.
    public var byteCount: Int { bytes.count }
    public var isEmpty: Bool { spans.isEmpty }

    public mutating func reserveCapacity(entries: Int, bytes byteCount: Int) {
        spans.reserveCapacity(entries)
        bytes.reserveCapacity(byteCount)
    }

    // MARK: Adding

    /// Appends raw UTF-8; invalid sequences are repaired to U+FFFD, as `String(decoding:)` would.
    public mutating func append(word: UnsafeRawBufferPointer, translation: UnsafeRawBufferPointer,
                                partOfSpeech: UnsafeRawBufferPointer?) {
        let start = bytes.count
        let w = put(word), t = put(translation)
        let p = partOfSpeech.map { put($0) } ?? -1
        spans.append(Span(key: 0, start: start, word: w, translation: t, partOfSpeech: p))
    }

    /// Appends UTF-8 the caller has already checked.
    mutating func appendChecked(word: UnsafeRawBufferPointer, translation: UnsafeRawBufferPointer,
                                partOfSpeech: UnsafeRawBufferPointer?) {
        spans.append(Span(key: 0, start: bytes.count, word: Int32(word.count), translation: Int32(translation.count),
                          partOfSpeech: partOfSpeech.map { Int32($0.count) } ?? -1))
        bytes.append(contentsOf: word)
        bytes.append(contentsOf: translation)
        if let partOfSpeech { bytes.append(contentsOf: partOfSpeech) }
    }

    /// Appends an entry whose text `fill` appends to the buffer (word, translation, part of speech, in that order),
    /// returning their lengths (part of speech -1 when absent), unchecked: the caller checks what it appended with
    /// ``repairUTF8(from:)``. A diff copies rows straight from SQLite's column buffers this way.
    @inline(__always)
    public mutating func appendUnchecked(key: Int64, _ fill: (inout [UInt8]) -> (word: Int, translation: Int, partOfSpeech: Int)) {
        let start = bytes.count
        let n = fill(&bytes)
        spans.append(Span(key: key, start: start, word: Int32(n.word), translation: Int32(n.translation),
                          partOfSpeech: Int32(n.partOfSpeech)))
    }

    public mutating func append(_ e: WordEntry) {
        let start = bytes.count
        bytes.append(contentsOf: e.word.utf8)
        bytes.append(contentsOf: e.translation.utf8)
        if let p = e.partOfSpeech { bytes.append(contentsOf: p.utf8) }
        spans.append(Span(key: 0, start: start, word: Int32(e.word.utf8.count), translation: Int32(e.translation.utf8.count),
                          partOfSpeech: e.partOfSpeech.map { Int32($0.utf8.count) } ?? -1))
    }

    /// Appends an entry of key 0 with no translation when `t` is nil, and returns its index.
    public mutating func append(word: String, _ t: Translation?) -> Int32 {
        let start = bytes.count
        bytes.append(contentsOf: word.utf8)
        bytes.append(contentsOf: (t?.translation ?? "").utf8)
        bytes.append(contentsOf: (t?.partOfSpeech ?? "").utf8)
        spans.append(Span(key: 0, start: start, word: Int32(word.utf8.count), translation: t.map { Int32($0.translation.utf8.count) } ?? -1,
                          partOfSpeech: t?.partOfSpeech.map { Int32($0.utf8.count) } ?? -1))
        return Int32(spans.count - 1)
    }

    /// Appends `other`'s entries after these.
    public mutating func append(contentsOf other: PackedWords) {
        let shift = bytes.count
        bytes.append(contentsOf: other.bytes)
        spans.append(contentsOf: other.spans.lazy.map { var s = $0; s.start += shift; return s })
    }

    private mutating func put(_ raw: UnsafeRawBufferPointer) -> Int32 {
        let text = raw.assumingMemoryBound(to: UInt8.self)
        if UTF8Check.isValid(text) {
            bytes.append(contentsOf: text)
            return Int32(text.count)
        }
        let repaired = String(decoding: text, as: UTF8.self).utf8
        bytes.append(contentsOf: repaired)
        return Int32(repaired.count)
    }

    /// Checks the text of the entries from `first` on (appended with ``appendUnchecked(key:_:)``, filling the buffer
    /// to its end) and repairs invalid UTF-8 as `String(decoding:)` would. An entry of ASCII, as most are, is
    /// checked eight bytes at a time.
    public mutating func repairUTF8(from first: Int) {
        guard first < spans.count else { return }
        let valid = withUnsafeEntries { base, spans in
            spans[first...].allSatisfy { s in
                let t = s.start + Int(s.word), p = t + Int(max(0, s.translation))
                let all = UnsafeBufferPointer(start: base + s.start, count: s.textCount)
                guard UTF8Check.hasNonASCII(all) else { return true }
                // Valid as a whole and no field starting inside a character: then each field is valid on its own.
                func startsCharacter(_ at: Int, _ length: Int32) -> Bool { length <= 0 || base[at] & 0xC0 != 0x80 }
                return UTF8Check.isValid(all) && startsCharacter(t, s.translation) && startsCharacter(p, s.partOfSpeech)
            }
        }
        guard !valid else { return }
        var repaired = PackedWords()
        withUnsafeEntries { base, spans in
            func string(_ at: Int, _ n: Int32) -> String { String(decoding: UnsafeBufferPointer(start: base + at, count: Int(n)), as: UTF8.self) }
            for s in spans[first...] {
                let t = s.start + Int(s.word)
                let translation = s.translation < 0 ? nil
                    : Translation(translation: string(t, s.translation),
                                  partOfSpeech: s.partOfSpeech < 0 ? nil : string(t + Int(s.translation), s.partOfSpeech))
                _ = repaired.append(word: string(s.start, s.word), translation)
                repaired.spans[repaired.spans.count - 1].key = s.key
            }
        }
        bytes.removeSubrange(spans[first].start...)
        spans.removeSubrange(first...)
        append(contentsOf: repaired)
    }

    // MARK: Reading

    /// Calls `body` with the start of ``bytes`` (never dereferenced when there are none) and the spans.
    @inline(__always)
    public func withUnsafeEntries<R>(_ body: (UnsafePointer<UInt8>, UnsafeBufferPointer<Span>) -> R) -> R {
        spans.withUnsafeBufferPointer { s in
            bytes.withUnsafeBufferPointer { b in body(b.baseAddress ?? UnsafePointer(bitPattern: 1)!, s) }
        }
    }

    /// Calls `body` with the word, translation and part of speech (nil when absent) of entry `i`.
    @inline(__always)
    func withEntry<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?) -> R) -> R {
        let s = spans[i]
        return bytes.withUnsafeBufferPointer { all in
            let base = all.baseAddress ?? UnsafePointer(bitPattern: 1)!  // no bytes: every span is empty
            let w = base + s.start, t = w + Int(s.word), tn = Int(max(0, s.translation))
            return body(UnsafeBufferPointer(start: w, count: Int(s.word)), UnsafeBufferPointer(start: t, count: tn),
                        s.partOfSpeech < 0 ? nil : UnsafeBufferPointer(start: t + tn, count: Int(s.partOfSpeech)))
        }
    }

    public func word(_ i: Int) -> String {
        withEntry(i) { w, _, _ in String(decoding: w, as: UTF8.self) }
    }

    public func entry(_ i: Int) -> WordEntry {
        withEntry(i) { w, t, p in
            WordEntry(word: String(decoding: w, as: UTF8.self), translation: String(decoding: t, as: UTF8.self),
                      partOfSpeech: p.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    public var entries: [WordEntry] { (0..<count).map(entry) }

    // MARK: Order

    /// Keys, then words, strictly increasing in byte order (with one key: the service's listing order).
    public var isSorted: Bool {
        withUnsafeEntries { base, spans in
            ByteOrder.isStrictlyIncreasing(spans.count) { i, j in Self.compare(base, spans[i], base, spans[j]) }
        }
    }

    /// Entry `a` (text at `x`) against entry `b` (text at `y`): by key, then word in byte order. Inlinable: the
    /// diff's merge (ArchiveCore) calls it for every row.
    @inlinable @inline(__always)
    public static func compare(_ x: UnsafePointer<UInt8>, _ a: Span, _ y: UnsafePointer<UInt8>, _ b: Span) -> Int {
        if a.key != b.key { return a.key < b.key ? -1 : 1 }
        return ByteOrder.compare(x + a.start, Int(a.word), y + b.start, Int(b.word))
    }

    /// Sorts by key, then word in byte order, and lays the bytes out again in that order.
    public mutating func sort() {
        guard let sorted = withUnsafeEntries({ base, spans -> PackedWords? in
            guard !bytes.isEmpty else { return nil }
            let order = spans.sorted { a, b in Self.compare(base, a, base, b) < 0 }
            var out = PackedWords()
            out.bytes.reserveCapacity(bytes.count)
            out.spans.reserveCapacity(order.count)
            for var s in order {
                let from = s.start
                s.start = out.bytes.count
                out.bytes.append(contentsOf: UnsafeBufferPointer(start: base + from, count: s.textCount))
                out.spans.append(s)
            }
            return out
        }) else { return }
        self = sorted
    }

    /// Sorts the spans by key, then word in byte order, leaving the bytes where they are: cheaper than ``sort()``
    /// for a table that is only read through its spans (a diff's rows).
    public mutating func sortByKeyAndWord() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            spans.sort { a, b in Self.compare(base, a, base, b) < 0 }
        }
    }
}

extension PackedWords: Equatable {
    /// The same entries (keys included) in the same order, byte for byte.
    public static func == (a: PackedWords, b: PackedWords) -> Bool {
        guard a.spans.count == b.spans.count, a.bytes.count == b.bytes.count else { return false }
        return a.withUnsafeEntries { x, xs in
            b.withUnsafeEntries { y, ys in
                for i in 0..<xs.count {
                    let s = xs[i], t = ys[i]
                    if s.key != t.key || s.word != t.word || s.translation != t.translation || s.partOfSpeech != t.partOfSpeech { return false }
                    let n = s.textCount
                    if n > 0, memcmp(x + s.start, y + t.start, n) != 0 { return false }
                }
                return true
            }
        }
    }
}

extension JSONWriter {
    /// An add-words body, `{"words":[...]}`, of entries `range`: the same bytes as ``wordList(_:)`` writes for them.
    public static func wordList(_ words: PackedWords, _ range: Range<Int>) -> [UInt8] {
        var w = JSONWriter(capacity: 32 + range.count * 32 + words.spans[range].reduce(0) { $0 + $1.textCount })
        w.raw("{\"words\":")
        w.array(range) { w, i in
            words.withEntry(i) { w.entry(utf8Word: $0, translation: $1, partOfSpeech: $2) }
        }
        w.raw("}")
        return w.bytes
    }
}
