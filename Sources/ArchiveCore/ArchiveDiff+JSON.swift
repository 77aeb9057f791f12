// Step 4 of the diff pipeline (rendered); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import TTSAPI

extension ArchiveDiff {
    /// The `diff --json` document: compact JSON, with each model and each word change starting a line of its own.
    /// Take the newlines out and it is byte for byte what `JSONEncoder` prints (sorted keys, snake_case,
    /// unescaped slashes; a test holds the two equal). Written directly: the encoder spent over a second on a
    /// 60,000-change diff, which must cost what the change costs. Not pretty-printed: indentation doubled the
    /// size of a long-range diff (12.9 MB against 6.8 MB after 30 nights), and a line per change is what `grep`
    /// and line-by-line readers want.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        writeJSON { out.append(contentsOf: $0) }
        return out
    }

    /// The same document handed to `sink` in pieces, in order: a long-range diff is megabytes, rendered a few
    /// pieces of models at a time (see ``DiffPieces``). A piece is only valid during the call.
    public func writeJSON(to sink: ([UInt8]) -> Void) {
        var w = JSONWriter(capacity: 256)
        w.raw("{\"from\":")
        w.string(from)
        w.raw(",\"match_by\":")
        w.string(matchBy)
        w.raw(",\"models\":[")
        sink(w.bytes)
        let models = models
        DiffPieces.stream(models, bytesPerWord: 240, { span, buffer in Self.json(models, span, into: &buffer) }, to: sink)
        w = JSONWriter(capacity: 256)
        if !models.isEmpty { w.raw("\n") }
        w.raw("],\"summary\":")
        var o = Members()
        w.raw("{")
        let counts: [(StaticString, Int)] = [("models_added", summary.modelsAdded), ("models_changed", summary.modelsChanged),
                                             ("models_removed", summary.modelsRemoved), ("words_added", summary.wordsAdded),
                                             ("words_changed", summary.wordsChanged), ("words_removed", summary.wordsRemoved)]
        for (key, n) in counts {
            o.key(key, &w)
            w.number(n)
        }
        w.raw("},\"to\":")
        w.string(to)
        w.raw("}")
        sink(w.bytes)
    }

    /// Appends a span of an element of the `models` array: its opening (on a new line after its separator, none
    /// before the first model), some of its word changes, its closing.
    static func json(_ models: [ModelDiff], _ span: ModelSpan, into buffer: inout [UInt8]) {
        var w = JSONWriter(capacity: 0)
        swap(&w.bytes, &buffer)
        let m = models[span.model]
        if span.opens {
            w.raw(span.model == 0 ? "\n" : ",\n")
            w.modelOpening(m)
        }
        w.words(m.words, span.words)
        if span.closes(m) { w.raw(m.words.isEmpty ? "]}" : "\n]}") }
        swap(&w.bytes, &buffer)
    }
}

/// An object's members in the order given (callers give keys sorted), the comma before all but the first; nil
/// values are left out, as `JSONEncoder` leaves out absent optionals.
private struct Members {
    var first = true

    mutating func key(_ k: StaticString, _ w: inout JSONWriter) {
        w.raw(first ? "\"" : ",\"")
        first = false
        w.raw(k)
        w.raw("\":")
    }

    mutating func field(_ k: StaticString, _ value: String?, _ w: inout JSONWriter) {
        guard let value else { return }
        key(k, &w)
        w.string(value)
    }
}

private extension JSONWriter {
    /// A model's object up to its `words` array, which comes last (keys are sorted), opened.
    mutating func modelOpening(_ m: ModelDiff) {
        var o = Members()
        raw("{")
        o.field("change", m.change.rawValue, &self)
        o.field("from_customization_id", m.fromCustomizationID, &self)
        o.field("language", m.language, &self)
        o.key("metadata", &self)
        array(m.metadata) { w, f in
            var o = Members()
            w.raw("{")
            o.field("field", f.field, &w)
            o.field("new", f.new, &w)
            o.field("old", f.old, &w)
            w.raw("}")
        }
        o.field("name", m.name, &self)
        o.key("prompts", &self)
        array(m.prompts) { w, p in
            var o = Members()
            w.raw("{")
            o.field("change", p.change.rawValue, &w)
            if let new = p.new { o.key("new", &w); w.prompt(new) }
            if let old = p.old { o.key("old", &w); w.prompt(old) }
            o.field("prompt_id", p.promptID, &w)
            w.raw("}")
        }
        o.field("to_customization_id", m.toCustomizationID, &self)
        o.key("words", &self)
        raw("[")
    }

    mutating func prompt(_ p: Prompt) {
        var o = Members()
        raw("{")
        o.field("error", p.error, &self)
        o.field("prompt", p.prompt, &self)
        o.field("prompt_id", p.promptID, &self)
        o.field("speaker_id", p.speakerID, &self)
        o.field("status", p.status, &self)
        raw("}")
    }

    /// The elements of a `words` array, each on a line of its own. Every element has the same shape, so it is
    /// written from fixed fragments, through a pointer into a scratch buffer that is appended when full:
    /// hundreds of thousands of elements in a long-range diff, where an append per key and value cost more
    /// than the rest of the diff's output.
    mutating func words(_ all: WordChanges, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        let list = all.slice(range)
        let f = WordFragments.shared
        var scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        var used = 0
        func flush() {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<used]))
            used = 0
        }
        f.text.withUnsafeBufferPointer { text in
            var first = range.lowerBound == 0
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
                    put(f.close)
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
    }
}

/// The fixed text around the values of a word change (keys sorted: change, new, old, word; part_of_speech before
/// translation): ranges of one buffer, `text`.
struct WordFragments: Sendable {
    static let shared = WordFragments()

    private(set) var text: [UInt8] = []
    private(set) var firstOpen = 0..<0, nextOpen = 0..<0, added = 0..<0, removed = 0..<0, changed = 0..<0
    private(set) var new = 0..<0, old = 0..<0, word = 0..<0, close = 0..<0
    private(set) var partOfSpeech = 0..<0, translationAfterPOS = 0..<0, translationFirst = 0..<0
    /// The most fixed text one element takes (opening, change, both translations with part of speech, word).
    private(set) var longest = 0

    private init() {
        func add(_ s: String) -> Range<Int> {
            let start = text.count
            text += s.utf8
            return start..<text.count
        }
        firstOpen = add("\n{")
        nextOpen = add(",\n{")
        added = add("\"change\":\"added\"")
        removed = add("\"change\":\"removed\"")
        changed = add("\"change\":\"changed\"")
        new = add(",\"new\":{")
        old = add(",\"old\":{")
        word = add(",\"word\":")
        close = add("}")
        partOfSpeech = add("\"part_of_speech\":")
        translationAfterPOS = add(",\"translation\":")
        translationFirst = add("\"translation\":")
        let translation = partOfSpeech.count + translationAfterPOS.count + close.count
        longest = nextOpen.count + removed.count + new.count + old.count + 2 * translation + word.count + close.count
    }
}
