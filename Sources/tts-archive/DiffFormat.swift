import ArchiveCore
import TTSAPI

/// Renders an ``ArchiveDiff`` for people: `+` added, `-` removed, `~` changed; colour only on a terminal.
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
        return t.translation + (t.partOfSpeech.map { " [\($0)]" } ?? "")
    }

    func modelTitle(_ m: ModelDiff) -> String {
        let ids = [m.fromCustomizationID, m.toCustomizationID].compactMap { $0 }
        let idText = ids.count == 2 && ids[0] != ids[1] ? "\(ids[0]) -> \(ids[1])" : (ids.first ?? "")
        return "\(marker(m.change)) model \((m.name ?? "").debugDescription) (\(m.language ?? "?")) \(idText)"
    }

    func text(_ d: ArchiveDiff) -> String {
        var lines = ["diff \(d.from) -> \(d.to) (models matched by \(d.matchBy))"]
        for m in d.models {
            var title = modelTitle(m)
            if m.change != .changed { title += " (\(m.words.count) words)" }
            lines.append(title)
            for f in m.metadata {
                lines.append("    \(marker(.changed)) \(f.field): \((f.old ?? "(none)").debugDescription) -> \((f.new ?? "(none)").debugDescription)")
            }
            let width = min(30, m.words.map(\.word.count).max() ?? 0)
            for w in m.words {
                let word = w.word.count < width ? w.word + String(repeating: " ", count: width - w.word.count) : w.word
                switch w.change {
                case .added: lines.append("    \(marker(.added)) \(word)  \(Self.describe(w.new))")
                case .removed: lines.append("    \(marker(.removed)) \(word)  \(Self.describe(w.old))")
                case .changed: lines.append("    \(marker(.changed)) \(word)  \(Self.describe(w.old))  ->  \(Self.describe(w.new))")
                }
            }
            for p in m.prompts {
                lines.append("    \(marker(p.change)) prompt \(p.promptID): \((p.old?.prompt ?? "").debugDescription) -> \((p.new?.prompt ?? "").debugDescription) (metadata only)")
            }
        }
        lines.append(summary(d.summary))
        return lines.joined(separator: "\n")
    }

    func summary(_ s: ArchiveDiff.Summary) -> String {
        "summary: models +\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)"
    }

    func stat(_ d: ArchiveDiff) -> [[String]] {
        d.models.map { m in
            var added = 0, removed = 0, changed = 0
            for w in m.words {
                switch w.change {
                case .added: added += 1
                case .removed: removed += 1
                case .changed: changed += 1
                }
            }
            return [m.change.rawValue, m.toCustomizationID ?? m.fromCustomizationID ?? "", m.language ?? "",
                    String(added), String(removed), String(changed), m.metadata.map(\.field).joined(separator: ","), m.name ?? ""]
        }
    }

    func nameOnly(_ d: ArchiveDiff) -> String {
        d.models.map { "\(marker($0.change))\t\($0.toCustomizationID ?? $0.fromCustomizationID ?? "")\t\($0.name ?? "")" }.joined(separator: "\n")
    }
}
