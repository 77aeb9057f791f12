// Step 3 of the diff pipeline (changes); the whole pipeline is drawn at the top of SnapshotDiff.swift.

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
