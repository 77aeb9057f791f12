import ArchiveCore
import TTSAPI

/// Renders an ``ArchiveDiff`` for people: `+` added, `-` removed, `~` changed; colour only on a terminal. Text
/// from the service (names, words, translations, ids, prompts) is escaped (``TerminalText``).
struct DiffFormat {
    var colour: Bool

    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    private func marker(_ c: ChangeKind) -> String {
        switch c {
        case .added: paint("+", "32")
        case .removed: paint("-", "31")
        case .changed: paint("~", "33")
        }
    }

    static func describe(_ t: Translation?) -> String {
        guard let t else { return "" }
        return TerminalText.escape(t.translation) + (t.partOfSpeech.map { " [\(TerminalText.escape($0))]" } ?? "")
    }

    func modelTitle(_ m: ModelDiff) -> String {
        let ids = [m.fromCustomizationID, m.toCustomizationID].compactMap { $0 }.map(TerminalText.escape)
        let idText = ids.count == 2 && ids[0] != ids[1] ? "\(ids[0]) -> \(ids[1])" : (ids.first ?? "")
        return "\(marker(m.change)) model \(TerminalText.quoted(m.name ?? "")) (\(TerminalText.escape(m.language ?? "?"))) \(idText)"
    }

    /// The readable diff handed to `sink` in pieces, in order (see ``Output/lines(_:)``): pieces of word changes
    /// are rendered concurrently, straight into bytes, because a long-range diff runs to hundreds of thousands
    /// of lines. A model's words are aligned to its longest (up to 30 characters), found first.
    func writeText(_ d: ArchiveDiff, to sink: ([UInt8]) -> Void) {
        sink(Array("diff \(d.from) -> \(d.to) (models matched by \(d.matchBy))\n".utf8))
        let models = d.models
        let widths = models.map { m in
            var width = 0
            m.words.forEachBytes { width = max(width, TerminalText.width($0.word)) }
            return min(30, width)
        }
        DiffPieces.stream(models, bytesPerWord: 120, { span, out in
            render(models[span.model], span, width: widths[span.model], into: &out)
        }, to: sink)
        sink(Array(summary(d.summary).utf8))
    }

    func text(_ d: ArchiveDiff) -> String {
        var out: [UInt8] = []
        writeText(d) { out.append(contentsOf: $0) }
        return String(decoding: out, as: UTF8.self)
    }

    private func render(_ m: ModelDiff, _ span: ModelSpan, width: Int, into out: inout [UInt8]) {
        func line(_ text: String) { out.append(contentsOf: text.utf8); out.append(0x0A) }
        if span.opens {
            var title = modelTitle(m)
            if m.change != .changed { title += " (\(m.words.count) words)" }
            line(title)
            for f in m.metadata {
                line("    \(marker(.changed)) \(f.field): \(f.old.map(TerminalText.quoted) ?? "(none)") -> \(f.new.map(TerminalText.quoted) ?? "(none)")")
            }
        }
        let markers = [ChangeKind.added, .removed, .changed].map { Array("    \(marker($0)) ".utf8) }
        m.words.slice(span.words).forEachBytes { w in
            switch w.change {
            case .added: out.append(contentsOf: markers[0])
            case .removed: out.append(contentsOf: markers[1])
            case .changed: out.append(contentsOf: markers[2])
            }
            let n = TerminalText.appendCounting(w.word, to: &out)
            if n < width { out.append(contentsOf: repeatElement(0x20, count: width - n)) }
            out.append(contentsOf: [0x20, 0x20])
            switch w.change {
            case .added: Self.describe(w.new, into: &out)
            case .removed: Self.describe(w.old, into: &out)
            case .changed:
                Self.describe(w.old, into: &out)
                out.append(contentsOf: "  ->  ".utf8)
                Self.describe(w.new, into: &out)
            }
            out.append(0x0A)
        }
        for p in m.prompts where span.closes(m) {
            line("    \(marker(p.change)) prompt \(TerminalText.escape(p.promptID)): \(TerminalText.quoted(p.old?.prompt ?? "")) -> \(TerminalText.quoted(p.new?.prompt ?? "")) (metadata only)")
        }
    }

    private static func describe(_ t: TranslationBytes?, into out: inout [UInt8]) {
        guard let t else { return }
        TerminalText.append(t.translation, to: &out)
        if let pos = t.partOfSpeech {
            out.append(contentsOf: " [".utf8)
            TerminalText.append(pos, to: &out)
            out.append(UInt8(ascii: "]"))
        }
    }

    func summary(_ s: ArchiveDiff.Summary) -> String {
        "summary: models +\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)"
    }

    func stat(_ d: ArchiveDiff) -> [[String]] {
        d.models.map { m in
            [m.change.rawValue, m.toCustomizationID ?? m.fromCustomizationID ?? "", m.language ?? "",
             String(m.wordCounts.added), String(m.wordCounts.removed), String(m.wordCounts.changed),
             m.metadata.map(\.field).joined(separator: ","), m.name ?? ""]
        }
    }

    func nameOnly(_ d: ArchiveDiff) -> String {
        d.models.map {
            "\(marker($0.change))\t\(TerminalText.escape($0.toCustomizationID ?? $0.fromCustomizationID ?? ""))\t\(TerminalText.escape($0.name ?? ""))"
        }.joined(separator: "\n")
    }
}
