import TTSAPI

extension ArchiveDiff {
    /// The `diff --json` document, byte for byte what `JSONEncoder` prints with the CLI's settings (pretty, sorted
    /// keys, snake_case, unescaped slashes; a test holds the two equal), written directly: the encoder spent over
    /// a second on a 60,000-change diff, which must cost what the change costs.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        writeJSON { out.append(contentsOf: $0) }
        return out
    }

    /// The same document handed to `sink` in pieces, in order: a long-range diff is tens of megabytes, rendered
    /// a few chunks of models at a time (see ``ModelChunks``). A piece is only valid during the call.
    public func writeJSON(to sink: ([UInt8]) -> Void) {
        var j = PrettyJSON()
        j.open("{")
        j.field("from", from)
        j.field("match_by", matchBy)
        j.key("models")
        j.open("[")
        sink(j.out.bytes)
        ModelChunks.stream(models, bytesPerWord: 400, Self.jsonModels, to: sink)
        // The rest goes on inside the root object and the models array (empty only without models).
        j = PrettyJSON(inside: [false, models.isEmpty], capacity: 256)
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
        sink(j.out.bytes)
    }

    /// Appends models as elements of the `models` array (two levels deep), each preceded by its separator but the
    /// very first (the slice starting at index 0).
    @Sendable static func jsonModels(_ models: ArraySlice<ModelDiff>, into buffer: inout [UInt8]) {
        var j = PrettyJSON(inside: [false, models.startIndex == 0], capacity: 0)
        swap(&j.out.bytes, &buffer)
        for m in models {
            j.element()
            j.model(m)
        }
        swap(&j.out.bytes, &buffer)
    }
}

/// Pretty-printed JSON in `JSONEncoder`'s layout: two-space indent, `"key" : value`, empty containers as
/// `[` blank line `]`. Keys are written in the order given: callers give them sorted.
struct PrettyJSON {
    var out: JSONWriter
    /// Per open container: nothing written into it yet.
    private var empty: [Bool]

    init() {
        out = JSONWriter(capacity: 4096)
        empty = []
    }

    /// A writer that goes on inside containers opened elsewhere, outermost first; `true` for one with nothing
    /// written into it yet.
    init(inside empty: [Bool], capacity: Int) {
        out = JSONWriter(capacity: capacity)
        self.empty = empty
    }

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
        words(m.words)
        close("]")
        close("}")
    }

    /// The elements of a `words` array. Every element has the same shape, so it is written from fragments made
    /// once for this depth, through a pointer into a scratch buffer that is appended to the output when full:
    /// hundreds of thousands of elements in a long-range diff, where an append per key and value cost more than
    /// the rest of the diff's output.
    mutating func words(_ list: WordChanges) {
        guard !list.isEmpty else { return }
        let f = WordFragments(depth: empty.count)
        var scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        var used = 0
        func flush() {
            out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<used]))
            used = 0
        }
        f.text.withUnsafeBufferPointer { text in
            var first = true
            list.forEachBytes { w in
                func quotedBound(_ t: TranslationBytes?) -> Int {
                    t.map { JSONBytes.quotedBound($0.translation.count) + JSONBytes.quotedBound($0.partOfSpeech?.count ?? 0) } ?? 0
                }
                let bound = f.longest + JSONBytes.quotedBound(w.word.count) + quotedBound(w.old) + quotedBound(w.new)
                if used + bound > scratch.count {
                    flush()
                    if bound > scratch.count {
                        scratch.deallocate()
                        scratch = .allocate(capacity: bound)
                    }
                }
                let p = scratch.baseAddress!
                func put(_ r: Range<Int>) {
                    (p + used).update(from: text.baseAddress! + r.lowerBound, count: r.count)
                    used += r.count
                }
                func quoted(_ t: UnsafeBufferPointer<UInt8>) { used += JSONBytes.writeQuoted(t, to: p + used) }
                func translation(_ t: TranslationBytes) {
                    if let pos = t.partOfSpeech {
                        put(f.partOfSpeech)
                        quoted(pos)
                        put(f.translationAfterPOS)
                    } else {
                        put(f.translationFirst)
                    }
                    quoted(t.translation)
                    put(f.translationClose)
                }
                put(first ? f.firstOpen : f.nextOpen)
                first = false
                switch w.change {
                case .added: put(f.added)
                case .removed: put(f.removed)
                case .changed: put(f.changed)
                }
                if let new = w.new { put(f.new); translation(new) }
                if let old = w.old { put(f.old); translation(old) }
                put(f.word)
                quoted(w.word)
                put(f.close)
            }
        }
        flush()
        empty[empty.count - 1] = false
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

/// The fixed text around the values of a word change at a given depth, in `JSONEncoder`'s pretty layout
/// (keys sorted: change, new, old, word; part_of_speech before translation): ranges of one buffer, `text`.
struct WordFragments {
    private(set) var text: [UInt8] = []
    private(set) var firstOpen = 0..<0, nextOpen = 0..<0, added = 0..<0, removed = 0..<0, changed = 0..<0
    private(set) var new = 0..<0, old = 0..<0, word = 0..<0, close = 0..<0
    private(set) var partOfSpeech = 0..<0, translationAfterPOS = 0..<0, translationFirst = 0..<0, translationClose = 0..<0
    /// The most fixed text one element takes (opening, change, both translations with part of speech, word).
    private(set) var longest = 0

    /// `depth`: containers open around the array's elements (the array included).
    init(depth: Int) {
        func line(_ d: Int) -> String { "\n" + String(repeating: "  ", count: d) }
        func add(_ s: String) -> Range<Int> {
            let start = text.count
            text += s.utf8
            return start..<text.count
        }
        let element = depth, field = depth + 1, inner = depth + 2
        firstOpen = add(line(element) + "{")
        nextOpen = add("," + line(element) + "{")
        added = add(line(field) + "\"change\" : \"added\"")
        removed = add(line(field) + "\"change\" : \"removed\"")
        changed = add(line(field) + "\"change\" : \"changed\"")
        new = add("," + line(field) + "\"new\" : {")
        old = add("," + line(field) + "\"old\" : {")
        word = add("," + line(field) + "\"word\" : ")
        close = add(line(element) + "}")
        partOfSpeech = add(line(inner) + "\"part_of_speech\" : ")
        translationAfterPOS = add("," + line(inner) + "\"translation\" : ")
        translationFirst = add(line(inner) + "\"translation\" : ")
        translationClose = add(line(field) + "}")
        let translation = partOfSpeech.count + translationAfterPOS.count + translationClose.count
        longest = nextOpen.count + removed.count + new.count + old.count + 2 * translation + word.count + close.count
    }
}
