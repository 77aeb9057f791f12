/// Hand-written JSON output into a byte array. Foundation's JSONEncoder is several times slower on a
/// 20,000-word model or a large diff; this writes raw UTF-8 and escapes exactly what JSONEncoder escapes
/// (`"`, `\\`, control characters; `\b \f \n \r \t` short, the rest as lowercase `\u00xx`), never `/`.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8] = []

    @inlinable
    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inlinable
    public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    @inlinable
    public mutating func number(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    @inlinable
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(utf8: $0) }
    }

    /// A string value from UTF-8 bytes the caller has already checked: escaped in a temporary (on the stack for
    /// the usual short string) and appended in one piece.
    @inlinable
    public mutating func string(utf8 buf: UnsafeBufferPointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: JSONBytes.quotedBound(buf.count)) { t in
            let n = JSONBytes.writeQuoted(buf, to: t.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: t[..<n]))
        }
    }

    /// `"key":` followed by a string value.
    @inlinable
    public mutating func field(_ key: StaticString, _ value: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        raw("\":")
        string(value)
    }

    /// `[e1,e2,...]`, each element written by `element`.
    @inlinable
    public mutating func array<S: Sequence>(_ items: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        raw("[")
        var first = true
        for item in items {
            if !first { raw(",") }
            first = false
            element(&self, item)
        }
        raw("]")
    }

    // MARK: Wire shapes shared by the client and the emulator

    @inlinable
    public mutating func entry(word: String, translation: String, partOfSpeech: String?) {
        var word = word, translation = translation
        word.withUTF8 { w in
            translation.withUTF8 { t in
                guard var pos = partOfSpeech else { return entry(utf8Word: w, translation: t, partOfSpeech: nil) }
                pos.withUTF8 { entry(utf8Word: w, translation: t, partOfSpeech: $0) }
            }
        }
    }

    /// `{"word":…,"translation":…[,"part_of_speech":…]}` from UTF-8 the caller has checked: the one place the
    /// entry's shape is written, for Strings and for ``PackedWords`` alike.
    @inlinable
    public mutating func entry(utf8Word word: UnsafeBufferPointer<UInt8>, translation: UnsafeBufferPointer<UInt8>,
                               partOfSpeech: UnsafeBufferPointer<UInt8>?) {
        raw("{\"word\":")
        string(utf8: word)
        raw(",\"translation\":")
        string(utf8: translation)
        if let partOfSpeech {
            raw(",\"part_of_speech\":")
            string(utf8: partOfSpeech)
        }
        raw("}")
    }

    @inlinable
    public mutating func translation(_ translation: String, partOfSpeech: String?) {
        raw("{\"translation\":")
        string(translation)
        if let partOfSpeech { field("part_of_speech", partOfSpeech) }
        raw("}")
    }

    /// An add-words body, `{"words":[...]}`.
    @inlinable
    public static func wordList(_ words: some Collection<WordEntry>) -> [UInt8] {
        var w = JSONWriter(capacity: 32 + words.count * 64)
        w.raw("{\"words\":")
        w.array(words) { $0.entry(word: $1.word, translation: $1.translation, partOfSpeech: $1.partOfSpeech) }
        w.raw("}")
        return w.bytes
    }
}
