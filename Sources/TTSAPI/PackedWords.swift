import Foundation

/// A model's word entries as UTF-8 laid end to end in one buffer, in the order appended.
///
/// A restore reads, sends and reads back every entry of a snapshot: hundreds of thousands. As ``WordEntry``s
/// each pass costs three Strings per entry (allocation, UTF-8 check, reference counting); as bytes it costs a
/// copy. Strings are made only where a person will read them (a rejected entry, a difference).
public struct PackedWords: Sendable {
    struct Span: Sendable, Equatable {
        var start: Int32
        var word: Int32
        var translation: Int32
        /// -1 when the entry has no part of speech (nil and "" differ).
        var partOfSpeech: Int32
    }

    private(set) var bytes: [UInt8] = []
    private(set) var spans: [Span] = []

    public init() {}

    public init(_ entries: some Sequence<WordEntry>) {
        for e in entries { append(e) }
    }

    public var count: Int { spans.count }
    /// Bytes of every entry's text together.
    public var byteCount: Int { bytes.count }
    public var isEmpty: Bool { spans.isEmpty }

    // MARK: Adding

    /// Appends raw UTF-8; invalid sequences are repaired to U+FFFD, as `String(decoding:)` would.
    public mutating func append(word: UnsafeRawBufferPointer, translation: UnsafeRawBufferPointer,
                                partOfSpeech: UnsafeRawBufferPointer?) {
        let start = Int32(bytes.count)
        let w = put(word), t = put(translation)
        let p = partOfSpeech.map { put($0) } ?? -1
        spans.append(Span(start: start, word: w, translation: t, partOfSpeech: p))
    }

    /// Appends UTF-8 the caller has already checked.
    mutating func appendChecked(word: UnsafeRawBufferPointer, translation: UnsafeRawBufferPointer,
                                partOfSpeech: UnsafeRawBufferPointer?) {
        spans.append(Span(start: Int32(bytes.count), word: Int32(word.count), translation: Int32(translation.count),
                          partOfSpeech: partOfSpeech.map { Int32($0.count) } ?? -1))
        bytes.append(contentsOf: word)
        bytes.append(contentsOf: translation)
        if let partOfSpeech { bytes.append(contentsOf: partOfSpeech) }
    }

    public mutating func append(_ e: WordEntry) {
        let start = Int32(bytes.count)
        bytes.append(contentsOf: e.word.utf8)
        bytes.append(contentsOf: e.translation.utf8)
        if let p = e.partOfSpeech { bytes.append(contentsOf: p.utf8) }
        spans.append(Span(start: start, word: Int32(e.word.utf8.count), translation: Int32(e.translation.utf8.count),
                          partOfSpeech: e.partOfSpeech.map { Int32($0.utf8.count) } ?? -1))
    }

    /// Appends `other`'s entries after these.
    public mutating func append(contentsOf other: PackedWords) {
        let shift = Int32(bytes.count)
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

    // MARK: Reading

    /// Calls `body` with the word, translation and part of speech (nil when absent) of entry `i`.
    @inline(__always)
    func withEntry<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?) -> R) -> R {
        let s = spans[i]
        return bytes.withUnsafeBufferPointer { all in
            let base = all.baseAddress ?? UnsafePointer(bitPattern: 1)!  // no bytes: every span is empty
            let w = base + Int(s.start), t = w + Int(s.word)
            return body(UnsafeBufferPointer(start: w, count: Int(s.word)), UnsafeBufferPointer(start: t, count: Int(s.translation)),
                        s.partOfSpeech < 0 ? nil : UnsafeBufferPointer(start: t + Int(s.translation), count: Int(s.partOfSpeech)))
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

    /// Words strictly increasing in byte order (the service's listing order).
    public var isSorted: Bool {
        bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return count <= 1 }
            for i in spans.indices.dropFirst() {
                let a = spans[i - 1], b = spans[i]
                if ByteOrder.compare(base + Int(a.start), Int(a.word), base + Int(b.start), Int(b.word)) >= 0 { return false }
            }
            return true
        }
    }

    /// Sorts by word in byte order and lays the bytes out again in that order.
    public mutating func sort() {
        guard let sorted = bytes.withUnsafeBufferPointer({ all -> PackedWords? in
            guard let base = all.baseAddress else { return nil }
            let order = spans.sorted { a, b in
                ByteOrder.compare(base + Int(a.start), Int(a.word), base + Int(b.start), Int(b.word)) < 0
            }
            var out = PackedWords()
            out.bytes.reserveCapacity(bytes.count)
            out.spans.reserveCapacity(order.count)
            for var s in order {
                let n = Int(s.word) + Int(s.translation) + Int(max(0, s.partOfSpeech))
                let from = Int(s.start)
                s.start = Int32(out.bytes.count)
                out.bytes.append(contentsOf: UnsafeBufferPointer(start: base + from, count: n))
                out.spans.append(s)
            }
            return out
        }) else { return }
        self = sorted
    }
}

extension PackedWords: Equatable {
    /// The same entries in the same order, byte for byte. Both sides are laid out contiguously in order, so equal
    /// lengths everywhere and equal bytes mean equal entries.
    public static func == (a: PackedWords, b: PackedWords) -> Bool {
        guard a.spans.count == b.spans.count, a.bytes.count == b.bytes.count else { return false }
        for i in a.spans.indices {
            let x = a.spans[i], y = b.spans[i]
            if x.word != y.word || x.translation != y.translation || x.partOfSpeech != y.partOfSpeech { return false }
        }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in
            x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
        } }
    }
}

extension JSONWriter {
    /// An add-words body, `{"words":[...]}`, of entries `range`: the same bytes as ``wordList(_:)`` writes for them.
    public static func wordList(_ words: PackedWords, _ range: Range<Int>) -> [UInt8] {
        var w = JSONWriter(capacity: 32 + range.count * 32 + Int(words.spans[range].reduce(0) { $0 + $1.word + $1.translation }))
        w.raw("{\"words\":")
        w.array(range) { w, i in
            words.withEntry(i) { w.entry(utf8Word: $0, translation: $1, partOfSpeech: $2) }
        }
        w.raw("}")
        return w.bytes
    }
}
