import TTSAPI

extension ArchiveDiff {
    /// The `diff --json` document, byte for byte what `JSONEncoder` prints with the CLI's settings (pretty, sorted
    /// keys, snake_case, unescaped slashes; a test holds the two equal), written directly: the encoder spent over
    /// a second on a 60,000-change diff, which must cost what the change costs.
    public func jsonBytes() -> [UInt8] {
        var j = PrettyJSON()
        j.open("{")
        j.field("from", from)
        j.field("match_by", matchBy)
        j.key("models")
        j.open("[")
        for m in models {
            j.element()
            j.model(m)
        }
        j.close("]")
        j.key("summary")
        j.open("{")
        j.field("models_added", summary.modelsAdded)
        j.field("models_changed", summary.modelsChanged)
        j.field("models_removed", summary.modelsRemoved)
        j.field("words_added", summary.wordsAdded)
        j.field("words_changed", summary.wordsChanged)
        j.field("words_removed", summary.wordsRemoved)
        j.close("}")
        j.field("to", to)
        j.close("}")
        return j.out.bytes
    }
}

/// Pretty-printed JSON in `JSONEncoder`'s layout: two-space indent, `"key" : value`, empty containers as
/// `[` blank line `]`. Keys are written in the order given: callers give them sorted.
struct PrettyJSON {
    var out = JSONWriter(capacity: 4096)
    /// Per open container: nothing written into it yet.
    private var empty: [Bool] = []

    /// A newline and `depth` two-space indents in one append (one append per indent level was a tenth of the time).
    private static let newlineAndIndent: [UInt8] = [0x0A] + [UInt8](repeating: 0x20, count: 2 * 16)

    private mutating func newline(_ depth: Int) {
        let n = min(1 + 2 * depth, Self.newlineAndIndent.count)
        Self.newlineAndIndent.withUnsafeBufferPointer { out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<n])) }
    }

    /// Separator and indent before an array element (keys call it themselves).
    mutating func element() {
        if empty[empty.count - 1] { empty[empty.count - 1] = false } else { out.raw(",") }
        newline(empty.count)
    }

    mutating func open(_ bracket: StaticString) {
        out.raw(bracket)
        empty.append(true)
    }

    mutating func close(_ bracket: StaticString) {
        if empty.removeLast() { out.raw("\n") }
        newline(empty.count)
        out.raw(bracket)
    }

    mutating func key(_ k: StaticString) {
        element()
        out.raw("\"")
        out.raw(k)
        out.raw("\" : ")
    }

    mutating func field(_ k: StaticString, _ value: String) {
        key(k)
        out.string(value)
    }

    mutating func field(_ k: StaticString, _ value: String?) {
        if let value { field(k, value) }
    }

    mutating func field(_ k: StaticString, _ value: Int) {
        key(k)
        out.number(value)
    }

    mutating func field(_ k: StaticString, _ value: ChangeKind) { field(k, value.rawValue) }

    mutating func model(_ m: ModelDiff) {
        open("{")
        field("change", m.change)
        field("from_customization_id", m.fromCustomizationID)
        field("language", m.language)
        key("metadata")
        open("[")
        for f in m.metadata {
            element()
            open("{")
            field("field", f.field)
            field("new", f.new)
            field("old", f.old)
            close("}")
        }
        close("]")
        field("name", m.name)
        key("prompts")
        open("[")
        for p in m.prompts {
            element()
            open("{")
            field("change", p.change)
            if let new = p.new { key("new"); prompt(new) }
            if let old = p.old { key("old"); prompt(old) }
            field("prompt_id", p.promptID)
            close("}")
        }
        close("]")
        field("to_customization_id", m.toCustomizationID)
        key("words")
        open("[")
        for w in m.words {
            element()
            open("{")
            field("change", w.change)
            if let new = w.new { key("new"); translation(new) }
            if let old = w.old { key("old"); translation(old) }
            field("word", w.word)
            close("}")
        }
        close("]")
        close("}")
    }

    mutating func translation(_ t: Translation) {
        open("{")
        field("part_of_speech", t.partOfSpeech)
        field("translation", t.translation)
        close("}")
    }

    mutating func prompt(_ p: Prompt) {
        open("{")
        field("error", p.error)
        field("prompt", p.prompt)
        field("prompt_id", p.promptID)
        field("speaker_id", p.speakerID)
        field("status", p.status)
        close("}")
    }
}
