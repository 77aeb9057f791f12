// Step 1 and 3 of the diff pipeline (whole models compared); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import TTSAPI

/// Compares materialized models (any two sides: snapshots of different sources, a snapshot and the live
/// service, or a source and its restored copy matched by name).
public enum ContentDiff {
    public enum MatchBy: String, Sendable, CaseIterable { case id, name }

    public static func compare(_ a: [CustomModel], _ b: [CustomModel], from: String, to: String, matchBy: MatchBy) -> ArchiveDiff {
        func key(_ m: CustomModel) -> String {
            matchBy == .id ? m.customizationID : (m.name ?? "") + "\u{0}" + (m.language ?? "")
        }
        // Several models may share a name and language; pair them in id order.
        var left: [String: [CustomModel]] = [:], right: [String: [CustomModel]] = [:]
        for m in a.sorted(by: { ByteOrder.compare($0.customizationID, $1.customizationID) < 0 }) { left[key(m), default: []].append(m) }
        for m in b.sorted(by: { ByteOrder.compare($0.customizationID, $1.customizationID) < 0 }) { right[key(m), default: []].append(m) }
        var diffs: [ModelDiff] = []
        for k in Set(left.keys).union(right.keys) {
            let l = left[k] ?? [], r = right[k] ?? []
            for i in 0..<max(l.count, r.count) {
                if let d = compareModel(i < l.count ? l[i] : nil, i < r.count ? r[i] : nil) { diffs.append(d) }
            }
        }
        return ArchiveDiff(from: from, to: to, matchBy: matchBy.rawValue, models: diffs)
    }

    /// One model's difference, nil when equal. Ids and timestamps are not content and are not compared.
    static func compareModel(_ a: CustomModel?, _ b: CustomModel?) -> ModelDiff? {
        let base = b ?? a!
        var d = ModelDiff(change: a == nil ? .added : (b == nil ? .removed : .changed),
                          fromCustomizationID: a?.customizationID, toCustomizationID: b?.customizationID,
                          name: base.name, language: base.language, metadata: [], words: [], prompts: [])
        if let a, let b {
            for (field, old, new) in [("name", a.name, b.name), ("description", a.description, b.description), ("language", a.language, b.language)]
            where !ByteOrder.equal(old, new) {
                d.metadata.append(FieldChange(field: field, old: old, new: new))
            }
        }
        d.words = WordChanges(compareWords(a?.words ?? [], b?.words ?? []))
        d.prompts = comparePrompts(a?.prompts ?? [], b?.prompts ?? [])
        if d.change == .changed, d.metadata.isEmpty, d.words.isEmpty, d.prompts.isEmpty { return nil }
        return d
    }

    static func compareWords(_ a: [WordEntry], _ b: [WordEntry]) -> [WordChange] {
        let x = a.isSorted ? a : a.sorted { ByteOrder.compare($0.word, $1.word) < 0 }
        let y = b.isSorted ? b : b.sorted { ByteOrder.compare($0.word, $1.word) < 0 }
        var out: [WordChange] = []
        var i = 0, j = 0
        while i < x.count || j < y.count {
            let c = i == x.count ? 1 : (j == y.count ? -1 : ByteOrder.compare(x[i].word, y[j].word))
            if c < 0 {
                out.append(WordChange(change: .removed, word: x[i].word, old: x[i].asTranslation, new: nil)); i += 1
            } else if c > 0 {
                out.append(WordChange(change: .added, word: y[j].word, old: nil, new: y[j].asTranslation)); j += 1
            } else {
                if !ByteOrder.equal(x[i].translation, y[j].translation) || !ByteOrder.equal(x[i].partOfSpeech, y[j].partOfSpeech) {
                    out.append(WordChange(change: .changed, word: x[i].word, old: x[i].asTranslation, new: y[j].asTranslation))
                }
                i += 1; j += 1
            }
        }
        return out
    }

    static func comparePrompts(_ a: [Prompt], _ b: [Prompt]) -> [PromptChange] {
        var out: [PromptChange] = []
        let x = Dictionary(a.map { ($0.promptID, $0) }, uniquingKeysWith: { $1 })
        let y = Dictionary(b.map { ($0.promptID, $0) }, uniquingKeysWith: { $1 })
        for id in Set(x.keys).union(y.keys).sorted(by: { ByteOrder.compare($0, $1) < 0 }) {
            switch (x[id], y[id]) {
            case (nil, let n?): out.append(PromptChange(change: .added, promptID: id, old: nil, new: n))
            case (let o?, nil): out.append(PromptChange(change: .removed, promptID: id, old: o, new: nil))
            case (let o?, let n?) where o != n: out.append(PromptChange(change: .changed, promptID: id, old: o, new: n))
            default: break
            }
        }
        return out
    }
}
