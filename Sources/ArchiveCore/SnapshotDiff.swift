// The diff pipeline, in four steps; each names the types it makes and the file that holds them.
//
//   1. rows read     SnapshotDiff.between (this file) picks the path. Within one lineage matched by id,
//                    LineageRows (LineageRows.swift) reads the word rows that ended (`died`) and started (`born`)
//                    between the two snapshots, on several connections, into PackedWords tables (TTSAPI) keyed
//                    by model (DiffRows.swift: reading, RowBytes): text as bytes in one buffer, each piece read
//                    sorted by model and word.
//                    Any other pair (other sources, --match-by name, a live side, a restored copy) is read whole
//                    as CustomModels and compared by ContentDiff (ContentDiff.swift), which gives step 3 directly.
//   2. merged        WordRowMerge.changes (WordRowMerge.swift) merges died against born, on two threads when
//                    large, into WordChanges per model (WordChanges.swift): records that point into the rows
//                    (a String is made only when a change is read), and WordCounts (ArchiveDiff.swift).
//   3. changes       SnapshotDiff adds the model-level changes (fields, prompts) and makes one ModelDiff per
//                    changed model, and the ArchiveDiff that holds them (ArchiveDiff.swift): ChangeKind,
//                    FieldChange, WordChange (one word's change, as values), PromptChange, the summary.
//   4. rendered      `--json`: ArchiveDiff+JSON.swift; the text: DiffFormat.swift in the CLI; both hand the models
//                    to DiffPieces (DiffPieces.swift), which renders pieces of about 1,000 word changes
//                    concurrently and writes them in order; WordChangeBytes hands a change's bytes to a writer.
//
// DiffDetail.counts (`--stat`, `--name-only`) stops step 2 at WordCounts.

import SQLiteDB
import TTSAPI

/// Differences between two snapshots. Within one source lineage (matched by id) it reads only the rows whose
/// validity starts or ends between the two snapshots, so its cost follows the change, not the archive; other
/// pairs (different sources, `--match-by name`) are compared in full.
public struct SnapshotDiff {
    let reader: SnapshotReader
    var db: Database { reader.db }
    static let open = SnapshotWriter.open

    public init(_ store: ArchiveStore) { reader = SnapshotReader(store) }
    init(db: Database) { reader = SnapshotReader(db: db) }

    /// With `detail: .counts` a diff within one lineage lists no words, only their numbers (`wordCounts`); others
    /// list them anyway. Each value of `filter` must select a model of either snapshot (``ModelFilter/check(_:in:)``).
    public func between(_ a: Int64, _ b: Int64, filter: ModelFilter = .init(), matchBy: ContentDiff.MatchBy = .id,
                        detail: DiffDetail = .words) throws -> ArchiveDiff {
        let sources: [Int64] = try [a, b].map { try db.scalar("SELECT source FROM snapshots WHERE id = ?", $0) }
        let label = { (id: Int64) in "snapshot \(id)" }
        if sources[0] == sources[1], matchBy == .id {
            if a == b {
                try reader.check(filter, in: a)
                return ArchiveDiff(from: label(a), to: label(b), matchBy: "id", models: [])
            }
            let forward = try sameLineage(from: min(a, b), to: max(a, b), filter: filter, detail: detail)
            let models = a < b ? forward : forward.map(Self.inverted)
            return ArchiveDiff(from: label(a), to: label(b), matchBy: "id", models: models)
        }
        try reader.check(filter, in: a, b)
        return ContentDiff.compare(try reader.models(in: a, filter: filter), try reader.models(in: b, filter: filter),
                                   from: label(a), to: label(b), matchBy: matchBy)
    }

    /// Throws unless each value of `filter` selects a model of `snapshot` or of `listing`, the service's models
    /// (all of them, metadata only): the check of ``against(_:live:liveLabel:snapshotFirst:filter:matchBy:)``'s
    /// filter, made before fetching.
    public func check(_ filter: ModelFilter, snapshot: Int64, orService listing: [CustomModel]) throws {
        if filter.isEmpty { return }
        try filter.check(try reader.modelList(in: snapshot) + listing, in: "in snapshot \(snapshot) or on the service")
    }

    /// A snapshot against models fetched elsewhere (the live service).
    public func against(_ snapshot: Int64, live: [CustomModel], liveLabel: String, snapshotFirst: Bool, filter: ModelFilter, matchBy: ContentDiff.MatchBy) throws -> ArchiveDiff {
        let stored = try reader.models(in: snapshot, filter: filter)
        let current = live.filter(filter.matches)
        return snapshotFirst
            ? ContentDiff.compare(stored, current, from: "snapshot \(snapshot)", to: liveLabel, matchBy: matchBy)
            : ContentDiff.compare(current, stored, from: liveLabel, to: "snapshot \(snapshot)", matchBy: matchBy)
    }

    private struct ModelAt {
        var cid: String
        var name: String?, language: String?, description: String?
        var promptsHash: [UInt8]
    }

    /// The models valid at snapshot `s`, keyed by their archive id.
    private func modelsAt(_ s: Int64) throws -> [Int64: ModelAt] {
        let rows = try db.query("""
            SELECT m.id, m.customization_id, v.name, v.language, v.description, st.prompts_hash
            \(try reader.modelsAtSQL())
            """, s) { r in
            (r.int64(0), ModelAt(cid: r.text(1) ?? "", name: r.text(2), language: r.text(3), description: r.text(4),
                                 promptsHash: r.blob(5) ?? []))
        }
        return Dictionary(rows, uniquingKeysWith: { $1 })
    }

    private func sameLineage(from lo: Int64, to hi: Int64, filter: ModelFilter, detail: DiffDetail) throws -> [ModelDiff] {
        let lineage = try LineageRows(db: db, from: lo, to: hi)
        func read() throws -> ([Int64: ModelAt], [Int64: ModelAt], PackedWords, [Range<Int>], PackedWords) {
            let (died, diedPieces, born) = try lineage.read()
            return (try modelsAt(lo), try modelsAt(hi), died, diedPieces, born)
        }
        let (before, after, died, diedPieces, born) = lineage.isLarge ? try read() : try db.withoutMemoryMap(read)
        if !filter.isEmpty {
            // Every model of either snapshot is at hand: check the filter against both sides at no cost.
            let existing = (Array(before.values) + Array(after.values)).map {
                CustomModel(customizationID: $0.cid, name: $0.name, language: $0.language)
            }
            try filter.check(existing, in: SnapshotReader.place([lo, hi]))
        }
        let words = WordRowMerge.changes(died: died, diedPieces: diedPieces, born: born, detail: detail)

        func matches(_ key: Int64) -> Bool {
            if filter.isEmpty { return true }
            return [before[key], after[key]].compactMap { $0 }.contains {
                filter.matches(CustomModel(customizationID: $0.cid, name: $0.name, language: $0.language))
            }
        }

        var out: [ModelDiff] = []
        for key in Set(before.keys).union(after.keys).union(words.counts.keys) where matches(key) {
            let b = before[key], a = after[key]
            guard let base = a ?? b else { continue }
            var d = ModelDiff(change: b == nil ? .added : (a == nil ? .removed : .changed),
                              fromCustomizationID: b?.cid, toCustomizationID: a?.cid, name: base.name, language: base.language,
                              metadata: [], words: words.words[key] ?? [], prompts: [], wordCounts: words.counts[key] ?? WordCounts())
            if let b, let a {
                for (field, old, new) in [("name", b.name, a.name), ("description", b.description, a.description), ("language", b.language, a.language)]
                where !ByteOrder.equal(old, new) {
                    d.metadata.append(FieldChange(field: field, old: old, new: new))
                }
            }
            if b?.promptsHash != a?.promptsHash {
                d.prompts = ContentDiff.comparePrompts(try prompts(key, at: lo), try prompts(key, at: hi))
            }
            if d.change == .changed, d.metadata.isEmpty, d.wordCounts.isEmpty, d.prompts.isEmpty { continue }
            out.append(d)
        }
        return out
    }

    private func prompts(_ key: Int64, at s: Int64) throws -> [Prompt] {
        try db.query("""
            SELECT prompt_id, prompt, status, error, speaker_id FROM prompts
            WHERE model = ? AND valid_from <= ?2 AND valid_to > ?2
            """, key, s) { r in
            Prompt(prompt: r.text(1) ?? "", promptID: r.text(0) ?? "", status: r.text(2) ?? "", error: r.text(3), speakerID: r.text(4))
        }
    }

    static func inverted(_ d: ModelDiff) -> ModelDiff {
        func flip(_ c: ChangeKind) -> ChangeKind { c == .added ? .removed : (c == .removed ? .added : .changed) }
        var m = d
        m.change = flip(d.change)
        swap(&m.fromCustomizationID, &m.toCustomizationID)
        m.metadata = d.metadata.map { FieldChange(field: $0.field, old: $0.new, new: $0.old) }
        // A model is labelled with its name on the `to` side, which is now the older one.
        if let rename = m.metadata.first(where: { $0.field == "name" }) { m.name = rename.new }
        m.words = d.words.inverted
        m.wordCounts = d.wordCounts.inverted
        m.prompts = d.prompts.map { PromptChange(change: flip($0.change), promptID: $0.promptID, old: $0.new, new: $0.old) }
        return m
    }
}
