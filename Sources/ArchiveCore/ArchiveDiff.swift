import TTSAPI

/// What changed between two states of a service's custom models. Field names are the documented, stable
/// `diff --json` schema (snake_case when printed).
public struct ArchiveDiff: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var matchBy: String
    public var models: [ModelDiff]
    public var summary: Summary

    public struct Summary: Codable, Sendable, Equatable {
        public var modelsAdded = 0, modelsRemoved = 0, modelsChanged = 0
        public var wordsAdded = 0, wordsRemoved = 0, wordsChanged = 0
        /// Every model and word difference counted once.
        public var total: Int { modelsAdded + modelsRemoved + modelsChanged + wordsAdded + wordsRemoved + wordsChanged }
        public var isEmpty: Bool { total == 0 }
    }

    public init(from: String, to: String, matchBy: String, models: [ModelDiff]) {
        self.from = from
        self.to = to
        self.matchBy = matchBy
        // Keys made once, not twice per comparison.
        self.models = models.map { ($0.sortKey, $0) }.sorted { ByteOrder.compare($0.0, $1.0) < 0 }.map(\.1)
        var s = Summary()
        for m in models {
            switch m.change {
            case .added: s.modelsAdded += 1
            case .removed: s.modelsRemoved += 1
            case .changed: s.modelsChanged += 1
            }
            s.wordsAdded += m.wordCounts.added
            s.wordsRemoved += m.wordCounts.removed
            s.wordsChanged += m.wordCounts.changed
        }
        summary = s
    }
}

public enum ChangeKind: String, Codable, Sendable {
    case added, removed, changed
}

public struct ModelDiff: Sendable, Equatable {
    public var change: ChangeKind
    /// The id on the `from` side (nil when added).
    public var fromCustomizationID: String?
    /// The id on the `to` side (nil when removed); differs from `from` only with `--match-by name`.
    public var toCustomizationID: String?
    public var name: String?
    public var language: String?
    public var metadata: [FieldChange]
    /// Every changed word; empty in a diff of counts only (`DiffDetail.counts`).
    public var words: WordChanges { didSet { wordCounts = words.counts } }
    public var prompts: [PromptChange]
    /// How many words changed, also when they are not listed.
    public internal(set) var wordCounts: WordCounts

    init(change: ChangeKind, fromCustomizationID: String?, toCustomizationID: String?, name: String?, language: String?,
         metadata: [FieldChange], words: WordChanges, prompts: [PromptChange], wordCounts: WordCounts? = nil) {
        self.change = change
        self.fromCustomizationID = fromCustomizationID
        self.toCustomizationID = toCustomizationID
        self.name = name
        self.language = language
        self.metadata = metadata
        self.words = words
        self.prompts = prompts
        self.wordCounts = wordCounts ?? words.counts
    }

    var sortKey: String { (name ?? "") + "\u{0}" + (toCustomizationID ?? fromCustomizationID ?? "") }
}

/// The stored form (restore reports, rollback plans) has the words only, as before counts existed.
extension ModelDiff: Codable {
    enum CodingKeys: String, CodingKey {
        case change, fromCustomizationID, toCustomizationID, name, language, metadata, words, prompts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(change: try c.decode(ChangeKind.self, forKey: .change),
                  fromCustomizationID: try c.decodeIfPresent(String.self, forKey: .fromCustomizationID),
                  toCustomizationID: try c.decodeIfPresent(String.self, forKey: .toCustomizationID),
                  name: try c.decodeIfPresent(String.self, forKey: .name),
                  language: try c.decodeIfPresent(String.self, forKey: .language),
                  metadata: try c.decode([FieldChange].self, forKey: .metadata),
                  words: try c.decode(WordChanges.self, forKey: .words),
                  prompts: try c.decode([PromptChange].self, forKey: .prompts))
    }
}

/// How many words of a model were added, removed and changed.
public struct WordCounts: Sendable, Equatable {
    public var added = 0, removed = 0, changed = 0

    public var isEmpty: Bool { added == 0 && removed == 0 && changed == 0 }

    init() {}

    mutating func count(_ change: ChangeKind) {
        switch change {
        case .added: added += 1
        case .removed: removed += 1
        case .changed: changed += 1
        }
    }

    /// The counts of the opposite direction.
    var inverted: WordCounts {
        var c = self
        swap(&c.added, &c.removed)
        return c
    }
}

/// What a diff lists of each model's words: every change (text, `--json`), or only their numbers (`--stat`,
/// `--name-only`), which spares making a String for each changed word.
public enum DiffDetail: Sendable { case words, counts }

public struct FieldChange: Codable, Sendable, Equatable {
    public var field: String
    public var old: String?
    public var new: String?
}

public struct WordChange: Codable, Sendable, Equatable {
    public var change: ChangeKind
    public var word: String
    public var old: Translation?
    public var new: Translation?
}

public struct PromptChange: Codable, Sendable, Equatable {
    public var change: ChangeKind
    public var promptID: String
    public var old: Prompt?
    public var new: Prompt?
}

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
