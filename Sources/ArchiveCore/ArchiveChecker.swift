import SQLiteDB
import TTSAPI

/// One problem `check` found, precise enough to act on.
public struct CheckProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public var snapshot: Int64?
    public var model: String?
    public var message: String
    public var description: String {
        var where_: [String] = []
        if let snapshot { where_.append("snapshot \(snapshot)") }
        if let model { where_.append("model \(model)") }
        return (where_.isEmpty ? "" : where_.joined(separator: ", ") + ": ") + message
    }
}

public struct CheckReport: Sendable, Codable, Equatable {
    public var snapshotsChecked: Int
    public var wordRowsRead: Int
    public var problems: [CheckProblem]
}

/// Verifies an archive: SQLite's own integrity and foreign-key checks, then every content version of every
/// model against the word rows (one pass over the words table, using the multiset words hash), then every
/// snapshot's digest and counts.
///
/// A file SQLite finds damaged (its integrity check fails, or a page cannot be read: SQLITE_CORRUPT) is not a
/// finding but an unusable archive: ``run()`` throws ``ArchiveError/corrupt(path:reason:)``. Findings are about
/// content in a sound file (a hash, digest or count that does not match, a dangling reference).
public struct ArchiveChecker {
    let db: Database
    let path: String
    private let pool: DatabasePool?
    static let open = SnapshotWriter.open

    public init(_ store: ArchiveStore) {
        db = store.db
        path = store.path
        pool = store.pool
    }

    private init(db: Database, path: String) {
        self.db = db
        self.path = path
        pool = nil
    }

    public func run() throws -> CheckReport {
        do {
            // Every query in one read transaction of a reader connection: a snapshot that commits meanwhile (it
            // writes beside readers) is wholly in what is checked or not at all, never half.
            if let pool { return try pool.read { try ArchiveChecker(db: $0, path: path).check() } }
            return try check()
        } catch let error as SQLiteError where error.isCorrupt {
            throw ArchiveError.corrupt(path: path, reason: error.message)
        }
    }

    func check() throws -> CheckReport {
        var problems: [CheckProblem] = []
        let findings = try db.integrityCheck()
        if let first = findings.first {
            throw ArchiveError.corrupt(path: path, reason: ArchiveStore.findingsSummary(findings.count, first: first))
        }
        let fk = try db.query("PRAGMA foreign_key_check") { "\($0.text(0) ?? "?") row \($0.int64(1)) -> \($0.text(2) ?? "?")" }
        for f in fk { problems.append(CheckProblem(message: "dangling reference: \(f)")) }
        if !problems.isEmpty {
            // Rows that point nowhere would mislead the hash walk below; report them alone.
            return CheckReport(snapshotsChecked: 0, wordRowsRead: 0, problems: problems)
        }

        // Per model and boundary snapshot: the hash and count of rows that start (plus) or end (minus) there.
        var rows = 0
        var plus: [Int64: [Int64: MultisetHash]] = [:]
        var minus: [Int64: [Int64: MultisetHash]] = [:]
        var counts: [Int64: [Int64: Int]] = [:]
        let scan = try db.prepare("SELECT model, word, translation, part_of_speech, valid_from, valid_to FROM words")
        var ends = WordRowEnds(db: db)
        try scan.forEachRow { r in
            rows += 1
            let model = r.int64(0), from = r.int64(4), to = try ends.end(model: model, validTo: r.int64(5))
            let word = r.text(1) ?? "", translation = r.text(2) ?? "", pos = r.text(3)
            plus[model, default: [:]][from, default: MultisetHash()].add(word: word, translation: translation, partOfSpeech: pos)
            counts[model, default: [:]][from, default: 0] += 1
            if to != Self.open {
                minus[model, default: [:]][to, default: MultisetHash()].add(word: word, translation: translation, partOfSpeech: pos)
                counts[model, default: [:]][to, default: 0] -= 1
            }
        }

        let snapshots = try db.query("SELECT id, source, digest, model_count, word_count FROM snapshots ORDER BY id") {
            (id: $0.int64(0), source: $0.int64(1), digest: $0.text(2) ?? "", models: $0.int(3), words: $0.int(4))
        }
        let models = try db.query("SELECT id, source, customization_id FROM models") { (key: $0.int64(0), source: $0.int64(1), cid: $0.text(2) ?? "") }
        let states = try db.query("SELECT model, valid_from, valid_to, word_count, words_hash, prompts_hash FROM model_states") {
            (model: $0.int64(0), from: $0.int64(1), to: $0.int64(2), count: $0.int(3), hash: $0.blob(4) ?? [], prompts: $0.blob(5) ?? [])
        }
        let statesByModel = Dictionary(grouping: states, by: \.model)
        let snapshotsBySource = Dictionary(grouping: snapshots, by: \.source)
        let promptRows = try db.query("SELECT model, prompt_id, prompt, status, error, speaker_id, valid_from, valid_to FROM prompts") {
            (model: $0.int64(0), prompt: Prompt(prompt: $0.text(2) ?? "", promptID: $0.text(1) ?? "", status: $0.text(3) ?? "", error: $0.text(4), speakerID: $0.text(5)),
             from: $0.int64(6), to: $0.int64(7))
        }
        let promptsByModel = Dictionary(grouping: promptRows, by: \.model)

        // Walk each model's history: the running sum of its rows at each snapshot must match the state there.
        for m in models {
            let modelPlus = plus[m.key] ?? [:], modelMinus = minus[m.key] ?? [:], modelCounts = counts[m.key] ?? [:]
            let boundaries = Set(modelPlus.keys).union(modelMinus.keys).sorted()
            var running = MultisetHash()
            var count = 0
            var b = 0
            for s in snapshotsBySource[m.source] ?? [] {
                while b < boundaries.count, boundaries[b] <= s.id {
                    let k = boundaries[b]
                    if let p = modelPlus[k] { running.add(p) }
                    if let n = modelMinus[k] { running.subtract(n) }
                    count += modelCounts[k] ?? 0
                    b += 1
                }
                let state = statesByModel[m.key]?.first { $0.from <= s.id && $0.to > s.id }
                guard let state else {
                    if count != 0 {
                        problems.append(CheckProblem(snapshot: s.id, model: m.cid, message: "\(count) word rows are valid but the model has no content version"))
                    }
                    continue
                }
                if count != state.count {
                    problems.append(CheckProblem(snapshot: s.id, model: m.cid, message: "holds \(count) words, its content version says \(state.count)"))
                } else if running.bytes != state.hash {
                    problems.append(CheckProblem(snapshot: s.id, model: m.cid, message: "words do not match the recorded words hash (a row was altered)"))
                }
                let prompts = (promptsByModel[m.key] ?? []).filter { $0.from <= s.id && $0.to > s.id }.map(\.prompt)
                if ContentHasher.promptsHash(prompts) != state.prompts {
                    problems.append(CheckProblem(snapshot: s.id, model: m.cid, message: "prompt metadata does not match its recorded hash"))
                }
            }
        }

        // Every snapshot's digest and counts, recomputed from its model versions and content states.
        let digestQuery = try db.prepare("""
            SELECT m.customization_id, v.name, v.language, v.description, v.owner, v.created,
                   st.last_modified, st.word_count, st.words_hash, st.prompts_hash
            FROM snapshots s
            JOIN models m ON m.source = s.source
            JOIN model_versions v ON v.model = m.id AND v.valid_from <= s.id AND v.valid_to > s.id
            JOIN model_states st ON st.model = m.id AND st.valid_from <= s.id AND st.valid_to > s.id
            WHERE s.id = ?
            """)
        for s in snapshots {
            try digestQuery.bind(s.id)
            let inputs = try digestQuery.map { r in
                ContentHasher.ModelDigestInput(
                    customizationID: r.text(0) ?? "", name: r.text(1), language: r.text(2), description: r.text(3),
                    owner: r.text(4), created: r.text(5), lastModified: r.text(6), wordCount: r.int(7),
                    wordsHash: r.blob(8) ?? [], promptsHash: r.blob(9) ?? [])
            }
            if inputs.count != s.models {
                problems.append(CheckProblem(snapshot: s.id, message: "holds \(inputs.count) models, recorded \(s.models)"))
            }
            let words = inputs.reduce(0) { $0 + $1.wordCount }
            if words != s.words {
                problems.append(CheckProblem(snapshot: s.id, message: "holds \(words) words, recorded \(s.words)"))
            }
            if ContentHasher.snapshotDigest(inputs) != s.digest {
                problems.append(CheckProblem(snapshot: s.id, message: "content digest does not match (recorded \(s.digest.prefix(12))…)"))
            }
        }
        return CheckReport(snapshotsChecked: snapshots.count, wordRowsRead: rows, problems: problems)
    }
}
