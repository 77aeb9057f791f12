import Foundation
import SQLiteDB
import TTSAPI

/// The history the archive already holds, asked for directly: every version of a word (`log --word`), and a
/// model's changes snapshot by snapshot (`log --model`).
///
/// A word row is one version: its text never changes, and it is valid from the snapshot that wrote it up to the
/// one that ended it (migration 0002), or that removed its model (``WordRowEnds``). Snapshots may have been
/// forgotten since, so a version's first and last snapshots are the surviving snapshots of its lineage inside that
/// range, and a version no surviving snapshot holds is not shown. Both queries are index seeks (words_open, and migration 0005's index of ended rows): they cost the history asked for, not the
/// archive's size; a case-folded match has to read every distinct word.
public struct WordHistory {
    let db: Database
    static let open = SnapshotWriter.open

    public init(_ store: ArchiveStore) { db = store.db }

    /// A `since`/`until` bound (`log --since`, `GET /v1/words/history?since=`): an ISO 8601 time or date; a date
    /// alone means the start (`start`) or the end of that day, UTC. A malformed one is ``SelectorError/malformed``.
    public static func bound(_ text: String?, start: Bool) throws -> Date? {
        guard let text else { return nil }
        guard case .at(let date, _) = try SnapshotSelector.at(text) else { return nil }
        let dateOnly = text.trimmingCharacters(in: .whitespaces).count == 10
        return dateOnly && start ? date.addingTimeInterval(-(86_400 - 0.001)) : date
    }

    // MARK: A word's versions

    /// How `log --word` compares words.
    public enum Match: Sendable, Equatable {
        /// Byte-exact, as the archive stores words.
        case exact(String)
        /// SQL LIKE (`%` any run, `_` one character; SQLite's LIKE ignores the case of ASCII letters).
        case like(String)
        /// Equal once both are lower-cased (Unicode, not only ASCII).
        case ignoringCase(String)
    }

    /// Limits of a history query; empty means everything.
    public struct Scope: Sendable, Equatable {
        /// Customization ids or names (a name held at any time).
        public var models: [String] = []
        /// Source URLs (or imported folders), exactly as `snapshots` lists them.
        public var sources: [String] = []
        /// Versions that were valid at some time in `since...until`.
        public var since: Date?
        public var until: Date?
        public init(models: [String] = [], sources: [String] = [], since: Date? = nil, until: Date? = nil) {
            self.models = models
            self.sources = sources
            self.since = since
            self.until = until
        }
    }

    /// One version of a word in one model.
    public struct Version: Codable, Sendable, Equatable {
        public enum End: String, Codable, Sendable {
            /// The translation (or part of speech) changed: the next version starts here.
            case changed
            /// The word was deleted from the model.
            case removed
            /// The whole model was deleted.
            case modelRemoved = "model_removed"
        }

        public var source: String
        public var customizationID: String
        /// The model's name and language when this version first appeared.
        public var modelName: String?
        public var language: String?
        public var word: String
        public var translation: String
        public var partOfSpeech: String?
        public var firstSnapshot: Int64
        public var firstSeenAt: String
        /// The first snapshot without this version; nil while it is current (or when every later snapshot was
        /// forgotten, then `end` is nil too).
        public var endSnapshot: Int64?
        public var endedAt: String?
        public var end: End?

        enum CodingKeys: String, CodingKey {
            case source, customizationID = "customization_id", modelName = "model_name", language, word, translation
            case partOfSpeech = "part_of_speech", firstSnapshot = "first_snapshot", firstSeenAt = "first_seen_at"
            case endSnapshot = "end_snapshot", endedAt = "ended_at", end
        }
    }

    /// Every version of the matching words in the models of `scope`, grouped by source and model (in the order
    /// models were first archived), oldest version first.
    public func versions(of match: Match, scope: Scope = .init()) throws -> [Version] {
        let models = try resolveModels(scope)
        var rows: [Row] = []
        let columns = "w.id, w.model, w.word, w.translation, w.part_of_speech, w.valid_from, w.valid_to"
        switch match {
        case .exact(let word):
            rows = try exactRows([word], models: models, columns: columns)
        case .like(let pattern):
            rows = try db.query("SELECT \(columns) FROM words w WHERE w.word LIKE ?", pattern, map: Row.init)
        case .ignoringCase(let word):
            let folded = word.lowercased()
            // Unicode case folding is not SQLite's: read each distinct word once and take the rows of those that
            // fold alike.
            let matching = try db.query("SELECT DISTINCT word FROM words") { $0.text(0) ?? "" }.filter { $0.lowercased() == folded }
            rows = try exactRows(matching, models: models, columns: columns)
        }
        if let models { rows = rows.filter { models.contains($0.model) } }
        return try versions(rows, scope: scope)
    }

    /// The rows of these words: per word and model, a seek in the index of open rows (words_open) and one in the index of
    /// ended rows (migration 0005); no index on the word alone, which every first snapshot would pay for.
    private func exactRows(_ words: [String], models: Set<Int64>?, columns: String) throws -> [Row] {
        let keys = try models.map { Array($0) } ?? db.query("SELECT id FROM models") { $0.int64(0) }
        let open = try db.prepare("SELECT \(columns) FROM words w WHERE w.model = ? AND w.word = ? AND w.valid_to = \(Self.open)")
        let ended = try db.prepare("SELECT \(columns) FROM words w WHERE w.model = ? AND w.word = ? AND w.valid_to <> \(Self.open)")
        var rows: [Row] = []
        for word in words {
            for key in keys.sorted() {
                for statement in [open, ended] {
                    try statement.bind(key, word)
                    try statement.forEachRow { rows.append(Row($0)) }
                }
            }
        }
        return rows
    }

    struct Row {
        var id: Int64, model: Int64
        var word: String, translation: String, partOfSpeech: String?
        var validFrom: Int64, validTo: Int64
        init(_ s: Statement) {
            id = s.int64(0); model = s.int64(1)
            word = s.text(2) ?? ""; translation = s.text(3) ?? ""; partOfSpeech = s.text(4)
            validFrom = s.int64(5); validTo = s.int64(6)
        }
    }

    private func versions(_ rows: [Row], scope: Scope) throws -> [Version] {
        var lineages = Lineages(db: db)
        // Where a version ended, another row of the same model and word starting there means it changed.
        let starts = Set(rows.map { Key(model: $0.model, word: $0.word, snapshot: $0.validFrom) })
        var out: [(order: (Int64, Int64), version: Version)] = []
        var ends = WordRowEnds(db: db)
        for var row in rows {
            row.validTo = try ends.end(model: row.model, validTo: row.validTo)
            let model = try lineages.model(row.model)
            guard let first = model.lineage.firstSurviving(from: row.validFrom, before: row.validTo) else { continue }
            var v = Version(source: model.sourceURL, customizationID: model.customizationID, modelName: nil, language: nil,
                            word: row.word, translation: row.translation, partOfSpeech: row.partOfSpeech,
                            firstSnapshot: first.id, firstSeenAt: first.finishedAt)
            (v.modelName, v.language) = try lineages.metadata(model: row.model, at: first.id)
            if row.validTo != Self.open, let end = model.lineage.firstSurviving(from: row.validTo, before: Self.open) {
                v.endSnapshot = end.id
                v.endedAt = end.finishedAt
                if starts.contains(Key(model: row.model, word: row.word, snapshot: row.validTo)) {
                    v.end = .changed
                } else {
                    v.end = try lineages.hasVersion(model: row.model, at: row.validTo) ? .removed : .modelRemoved
                }
            }
            guard Self.overlaps(v, scope) else { continue }
            out.append(((row.model, row.id), v))
        }
        return out.sorted { $0.order < $1.order }.map(\.version)
    }

    private struct Key: Hashable {
        var model: Int64
        var word: String
        var snapshot: Int64
    }

    static func overlaps(_ v: Version, _ scope: Scope) -> Bool {
        if let until = scope.until, let first = SnapshotSelector.parseTime(v.firstSeenAt), first > until { return false }
        if let since = scope.since, let ended = v.endedAt.flatMap(SnapshotSelector.parseTime), ended <= since { return false }
        return true
    }

    // MARK: A model's steps

    /// What one snapshot changed in a model.
    public struct Step: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case added, changed, removed }
        public var snapshot: Int64
        public var finishedAt: String
        public var kind: Kind
        /// Name and language after this step (before it, for a removal).
        public var name: String?
        public var language: String?
        /// Name or description changes, as in `diff`.
        public var metadata: [FieldChange]
        public var wordsAdded: Int
        public var wordsRemoved: Int
        public var wordsChanged: Int
        /// Word count after this step.
        public var words: Int
        /// The word changes themselves, when asked for.
        public var changes: [WordChange]?

        enum CodingKeys: String, CodingKey {
            case snapshot, finishedAt = "finished_at", kind, name, language, metadata
            case wordsAdded = "words_added", wordsRemoved = "words_removed", wordsChanged = "words_changed", words, changes
        }
    }

    /// A model's history in one lineage.
    public struct ModelHistory: Codable, Sendable, Equatable {
        public var source: String
        public var customizationID: String
        public var steps: [Step]
        enum CodingKeys: String, CodingKey { case source, customizationID = "customization_id", steps }
    }

    /// The history of every model `scope.models` names (by id, or by a name it held at any time), snapshot by
    /// snapshot: the snapshots that added, changed or removed it. Unchanged nights are not steps.
    public func modelHistories(scope: Scope, words listWords: Bool = false) throws -> [ModelHistory] {
        guard let models = try resolveModels(scope) else { return [] }
        var lineages = Lineages(db: db)
        var out: [ModelHistory] = []
        for key in models.sorted() {
            let model = try lineages.model(key)
            let history = try steps(of: key, lineage: model.lineage, words: listWords).filter { step in
                guard let at = SnapshotSelector.parseTime(step.finishedAt) else { return true }
                return (scope.since.map { at >= $0 } ?? true) && (scope.until.map { at <= $0 } ?? true)
            }
            out.append(ModelHistory(source: model.sourceURL, customizationID: model.customizationID, steps: history))
        }
        return out
    }

    private func steps(of model: Int64, lineage: Lineage, words listWords: Bool) throws -> [Step] {
        // Every row the model ever had: its first rows and each night's changes.
        struct WordRow { var word: String; var translation: String; var partOfSpeech: String?; var from: Int64; var to: Int64 }
        // Its open rows through words_open, its ended ones through the index of ended rows (migration 0005).
        var rows: [WordRow] = []
        var ends = WordRowEnds(db: db)
        let modelEnd = try ends.end(model: model, validTo: Self.open)
        for condition in ["= \(Self.open)", "<> \(Self.open)"] {
            rows += try db.query("""
                SELECT word, translation, part_of_speech, valid_from, valid_to FROM words WHERE model = ? AND valid_to \(condition)
                """, model) { WordRow(word: $0.text(0) ?? "", translation: $0.text(1) ?? "", partOfSpeech: $0.text(2),
                                      from: $0.int64(3), to: $0.int64(4) == Self.open ? modelEnd : $0.int64(4)) }
        }
        struct VersionRow { var name: String?; var language: String?; var description: String?; var from: Int64; var to: Int64 }
        let versions = try db.query("""
            SELECT name, language, description, valid_from, valid_to FROM model_versions WHERE model = ? ORDER BY valid_from
            """, model) { VersionRow(name: $0.text(0), language: $0.text(1), description: $0.text(2), from: $0.int64(3), to: $0.int64(4)) }

        // A row's range in surviving snapshots: a change is seen at the first surviving snapshot that holds the new
        // state, so ranges are moved onto the lineage's surviving snapshots first.
        func seen(_ from: Int64, _ to: Int64) -> (first: Int64, end: Int64?)? {
            guard let first = lineage.firstSurviving(from: from, before: to) else { return nil }
            return (first.id, to == Self.open ? nil : lineage.firstSurviving(from: to, before: Self.open)?.id)
        }
        var born: [Int64: [WordRow]] = [:], died: [Int64: [WordRow]] = [:]
        for r in rows {
            guard let range = seen(r.from, r.to) else { continue }
            born[range.first, default: []].append(r)
            if let end = range.end { died[end, default: []].append(r) }
        }
        var versionAt: [Int64: VersionRow] = [:], versionEnd: [Int64: VersionRow] = [:]
        for v in versions {
            guard let range = seen(v.from, v.to) else { continue }
            versionAt[range.first] = v
            if let end = range.end { versionEnd[end] = v }
        }

        var steps: [Step] = []
        var current: VersionRow?
        var count = 0
        for snapshot in Set(born.keys).union(died.keys).union(versionAt.keys).union(versionEnd.keys).sorted() {
            let finished = lineage.finishedAt[snapshot] ?? ""
            let before = current
            if let v = versionAt[snapshot] { current = v } else if versionEnd[snapshot] != nil { current = nil }
            let added = born[snapshot] ?? [], removed = died[snapshot] ?? []
            let addedWords = Dictionary(added.map { ($0.word, $0) }, uniquingKeysWith: { a, _ in a })
            let removedWords = Dictionary(removed.map { ($0.word, $0) }, uniquingKeysWith: { a, _ in a })
            var changes: [WordChange] = []
            var plus = 0, minus = 0, tilde = 0
            for r in added {
                let t = Translation(translation: r.translation, partOfSpeech: r.partOfSpeech)
                if let old = removedWords[r.word] {
                    tilde += 1
                    changes.append(WordChange(change: .changed, word: r.word,
                                              old: Translation(translation: old.translation, partOfSpeech: old.partOfSpeech), new: t))
                } else {
                    plus += 1
                    changes.append(WordChange(change: .added, word: r.word, old: nil, new: t))
                }
            }
            for r in removed where addedWords[r.word] == nil {
                minus += 1
                changes.append(WordChange(change: .removed, word: r.word,
                                          old: Translation(translation: r.translation, partOfSpeech: r.partOfSpeech), new: nil))
            }
            count += plus - minus
            let kind: Step.Kind = before == nil ? .added : (current == nil ? .removed : .changed)
            var metadata: [FieldChange] = []
            if let before, let now = current {
                for (field, old, new) in [("name", before.name, now.name), ("description", before.description, now.description)]
                where !ByteOrder.equal(old, new) {
                    metadata.append(FieldChange(field: field, old: old, new: new))
                }
            }
            let shown = current ?? before
            if kind == .changed, metadata.isEmpty, plus + minus + tilde == 0 { continue }
            changes.sort { ByteOrder.compare($0.word, $1.word) < 0 }
            steps.append(Step(snapshot: snapshot, finishedAt: finished, kind: kind, name: shown?.name, language: shown?.language,
                              metadata: metadata, wordsAdded: kind == .added ? 0 : plus, wordsRemoved: kind == .removed ? 0 : minus,
                              wordsChanged: tilde, words: kind == .removed ? 0 : count,
                              changes: listWords ? changes : nil))
        }
        return steps
    }

    // MARK: Scope

    /// The model keys `scope` allows, or nil for every model. A name or id that matches no model, and a source
    /// that matches no lineage, is an error that lists what exists.
    func resolveModels(_ scope: Scope) throws -> Set<Int64>? {
        var sourceIDs: Set<Int64>?
        if !scope.sources.isEmpty {
            let all = try db.query("SELECT id, url FROM sources ORDER BY id") { ($0.int64(0), $0.text(1) ?? "") }
            for wanted in scope.sources where !all.contains(where: { $0.1 == wanted }) {
                throw HistoryError.noSuchSource(wanted, existing: Array(Set(all.map(\.1))).sorted())
            }
            sourceIDs = Set(all.filter { scope.sources.contains($0.1) }.map(\.0))
        }
        guard !scope.models.isEmpty else {
            guard let sourceIDs else { return nil }
            return Set(try db.query("SELECT id, source FROM models") { ($0.int64(0), $0.int64(1)) }
                .filter { sourceIDs.contains($0.1) }.map(\.0))
        }
        let all = try db.query("""
            SELECT DISTINCT m.id, m.source, m.customization_id, v.name, v.language
            FROM models m JOIN model_versions v ON v.model = m.id
            """) { (key: $0.int64(0), source: $0.int64(1), id: $0.text(2) ?? "", name: $0.text(3), language: $0.text(4)) }
        let inScope = all.filter { sourceIDs?.contains($0.source) ?? true }
        // Every name a model ever had counts, so a model is found by its old name too.
        try ModelFilter(models: scope.models).check(
            inScope.map { CustomModel(customizationID: $0.id, name: $0.name, language: $0.language) }, in: "in the archive")
        let keys = Set(inScope.filter { m in scope.models.contains { $0 == m.id || $0 == m.name } }.map(\.key))
        return keys
    }
}

/// The surviving snapshots of one lineage, for placing row ranges on them.
struct Lineage {
    var ids: [Int64]
    var finishedAt: [Int64: String]

    /// The first surviving snapshot with `from <= id < before`.
    func firstSurviving(from: Int64, before: Int64) -> (id: Int64, finishedAt: String)? {
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < from { lo = mid + 1 } else { hi = mid }
        }
        guard lo < ids.count, ids[lo] < before else { return nil }
        return (ids[lo], finishedAt[ids[lo]] ?? "")
    }
}

/// Lineages and model metadata, read once each per query.
struct Lineages {
    let db: Database
    private var bySource: [Int64: Lineage] = [:]
    private var models: [Int64: (lineage: Lineage, sourceURL: String, customizationID: String)] = [:]

    init(db: Database) { self.db = db }

    mutating func model(_ key: Int64) throws -> (lineage: Lineage, sourceURL: String, customizationID: String) {
        if let m = models[key] { return m }
        guard let (source, url, cid) = try db.query("""
            SELECT m.source, s.url, m.customization_id FROM models m JOIN sources s ON s.id = m.source WHERE m.id = ?
            """, key, map: { ($0.int64(0), $0.text(1) ?? "", $0.text(2) ?? "") }).first else {
            throw SQLiteError(code: 1, message: "model row \(key) missing")
        }
        if bySource[source] == nil {
            let rows = try db.query("SELECT id, finished_at FROM snapshots WHERE source = ? ORDER BY id", source) { ($0.int64(0), $0.text(1) ?? "") }
            bySource[source] = Lineage(ids: rows.map(\.0), finishedAt: Dictionary(rows, uniquingKeysWith: { a, _ in a }))
        }
        let m = (bySource[source]!, url, cid)
        models[key] = m
        return m
    }

    /// Name and language of a model at a snapshot.
    func metadata(model: Int64, at snapshot: Int64) throws -> (String?, String?) {
        try db.query("""
            SELECT name, language FROM model_versions WHERE model = ? AND valid_from <= ? AND valid_to > ?
            ORDER BY valid_from DESC LIMIT 1
            """, model, snapshot, snapshot) { ($0.text(0), $0.text(1)) }.first ?? (nil, nil)
    }

    func hasVersion(model: Int64, at snapshot: Int64) throws -> Bool {
        try db.scalar("SELECT count(*) > 0 FROM model_versions WHERE model = ? AND valid_from <= ? AND valid_to > ?",
                      model, snapshot, snapshot)
    }
}

public enum HistoryError: Error, Equatable, CustomStringConvertible {
    case noSuchSource(String, existing: [String])

    public var description: String {
        switch self {
        case .noSuchSource(let s, let existing):
            "no snapshot in the archive comes from \(ModelFilter.list([s])) (sources: \(ModelFilter.list(existing)))"
        }
    }
}
