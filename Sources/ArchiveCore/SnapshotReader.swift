import SQLiteDB
import TTSAPI

/// Reads snapshots back: the catalog, and any snapshot's models with their words and prompts, as the service
/// returned them (the shape of `GET /v1/customizations/{id}`).
public struct SnapshotReader {
    let db: Database
    static let open = SnapshotWriter.open

    public init(_ store: ArchiveStore) { db = store.db }
    init(db: Database) { self.db = db }

    static let recordColumns = """
        s.id, src.kind, src.url, src.scope, s.started_at, s.finished_at, s.note, s.model_count, s.word_count,
        s.prompt_count, s.models_added, s.models_removed, s.models_changed, s.words_added, s.words_removed,
        s.words_changed, s.digest,
        (SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM snapshot_tags t WHERE t.snapshot = s.id ORDER BY tag))
        FROM snapshots s JOIN sources src ON src.id = s.source
        """

    static func record(_ r: Statement) throws -> SnapshotRecord {
        SnapshotRecord(
            id: r.int64(0), sourceKind: try r.column(1), source: try r.column(2), scope: try r.column(3),
            startedAt: try r.column(4), finishedAt: try r.column(5), note: r.text(6), tags: (r.text(17) ?? "").split(separator: "\n").map(String.init),
            models: r.int(7), words: r.int(8), prompts: r.int(9), modelsAdded: r.int(10), modelsRemoved: r.int(11),
            modelsChanged: r.int(12), wordsAdded: r.int(13), wordsRemoved: r.int(14), wordsChanged: r.int(15),
            digest: try r.column(16))
    }

    /// Every snapshot, oldest first.
    public func all() throws -> [SnapshotRecord] {
        try db.query("SELECT \(Self.recordColumns) ORDER BY s.id", map: Self.record)
    }

    public func snapshot(_ id: Int64) throws -> SnapshotRecord? {
        try db.query("SELECT \(Self.recordColumns) WHERE s.id = ?", id, map: Self.record).first
    }

    /// `FROM ... WHERE ...` of the models valid at snapshot `?1`, joined as `m` (models), `v` (model_versions)
    /// and `st` (model_states). Each model's version and state is one seek in the history indexes (migration
    /// 0004); an archive read without them (read-only, older) scans every state instead.
    func modelsAtSQL() throws -> String {
        let indexed: Bool = try db.scalar("SELECT count(*) = 2 FROM sqlite_master WHERE name IN ('model_states_history', 'model_versions_history')")
        if indexed {
            return """
                FROM models m
                JOIN model_states st ON st.id = (SELECT id FROM model_states WHERE model = m.id AND valid_from <= ?1 ORDER BY valid_from DESC LIMIT 1)
                JOIN model_versions v ON v.id = (SELECT id FROM model_versions WHERE model = m.id AND valid_from <= ?1 ORDER BY valid_from DESC LIMIT 1)
                WHERE m.source = (SELECT source FROM snapshots WHERE id = ?1) AND st.valid_to > ?1 AND v.valid_to > ?1
                """
        }
        return """
            FROM model_states st CROSS JOIN models m ON m.id = st.model
            JOIN model_versions v ON v.model = m.id AND v.valid_from <= ?1 AND v.valid_to > ?1
            WHERE st.valid_from <= ?1 AND st.valid_to > ?1 AND m.source = (SELECT source FROM snapshots WHERE id = ?1)
            """
    }

    /// Is `id` the newest snapshot of its source (so its rows are the open ones)?
    func isNewestOfSource(_ id: Int64) throws -> Bool {
        try db.scalar("""
            SELECT NOT EXISTS (SELECT 1 FROM snapshots later WHERE later.source = s.source AND later.id > s.id)
            FROM snapshots s WHERE s.id = ?
            """, id)
    }

    /// The models valid at `snapshot`, metadata only (no words, no prompts), ordered by customization id.
    public func modelList(in snapshot: Int64) throws -> [CustomModel] {
        try db.query("SELECT m.customization_id, v.name, v.language \(try modelsAtSQL())", snapshot) { r in
            CustomModel(customizationID: try r.column(0), name: r.text(1), language: r.text(2))
        }.sorted { ByteOrder.compare($0.customizationID, $1.customizationID) < 0 }
    }

    /// Throws ``ModelFilterError`` unless each value of `filter` selects a model of one of `snapshots` (any
    /// of them: the two sides of a diff), naming the models or languages they have. An empty filter reads nothing.
    public func check(_ filter: ModelFilter, in snapshots: Int64...) throws {
        if filter.isEmpty { return }
        let ids = Array(Set(snapshots)).sorted()
        try filter.check(try ids.flatMap { try modelList(in: $0) }, in: Self.place(ids))
    }

    /// "in snapshot 4", "in snapshots 4 and 9".
    static func place(_ ids: [Int64]) -> String {
        ids.count == 1 ? "in snapshot \(ids[0])" : "in snapshots " + ids.map(String.init).joined(separator: " and ")
    }

    /// The models of a snapshot with metadata, words (service order) and prompts; `filter` limits them.
    public func models(in snapshot: Int64, filter: ModelFilter = .init(), includeWords: Bool = true) throws -> [CustomModel] {
        var models = try keyedModels(in: snapshot, filter: filter)
        if includeWords {
            var index: [Int64: Int] = [:]
            for (i, m) in models.enumerated() { index[m.key] = i }
            try forEachWord(in: snapshot, models: Set(index.keys)) { key, r in
                models[index[key]!].model.words!.append(WordEntry(word: r.text(1) ?? "", translation: r.text(2) ?? "", partOfSpeech: r.text(3)))
            }
            for i in models.indices where !(models[i].model.words!.isSorted) {
                models[i].model.words!.sort { ByteOrder.compare($0.word, $1.word) < 0 }
            }
        }
        return models.map(\.model)
    }

    /// The models valid at `snapshot` with metadata and prompts (words empty), ordered by customization id, with
    /// their archive keys.
    func keyedModels(in snapshot: Int64, filter: ModelFilter) throws -> [(key: Int64, model: CustomModel)] {
        var models = try db.query("""
            SELECT m.id, m.customization_id, v.name, v.language, v.description, v.owner, v.created, st.last_modified
            \(try modelsAtSQL())
            """, snapshot) { r in
            (key: r.int64(0), model: CustomModel(
                customizationID: try r.column(1), name: r.text(2), language: r.text(3), owner: r.text(5),
                created: r.text(6), lastModified: r.text(7), description: r.text(4), words: [], prompts: []))
        }
        models = models.filter { filter.matches($0.model) }
        models.sort { ByteOrder.compare($0.model.customizationID, $1.model.customizationID) < 0 }
        guard !models.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        for (i, m) in models.enumerated() { index[m.key] = i }
        let promptRows = try db.query("""
            SELECT p.model, p.prompt_id, p.prompt, p.status, p.error, p.speaker_id FROM prompts p
            JOIN models m ON m.id = p.model JOIN snapshots s ON s.source = m.source
            WHERE s.id = ? AND p.valid_from <= s.id AND p.valid_to > s.id
            """, snapshot) { r in
            (r.int64(0), Prompt(prompt: r.text(2) ?? "", promptID: r.text(1) ?? "", status: r.text(3) ?? "", error: r.text(4), speakerID: r.text(5)))
        }
        for (key, prompt) in promptRows {
            if let i = index[key] { models[i].model.prompts!.append(prompt) }
        }
        for i in models.indices { models[i].model.prompts!.sort { ByteOrder.compare($0.promptID, $1.promptID) < 0 } }
        return models
    }

    /// Calls `body` with each word row (model, word, translation, part_of_speech) of a snapshot for the given
    /// model keys.
    func forEachWord(in snapshot: Int64, models: Set<Int64>, _ body: (Int64, Statement) throws -> Void) throws {
        for piece in try wordPieces(in: snapshot, models: models.sorted(), ways: 1) {
            try forEachRow(of: piece, on: db, body)
        }
    }

    /// A piece of a snapshot's word rows that can be read on a connection of its own.
    enum WordPiece: Sendable {
        /// The open rows of these models, through their index, each model in word order: the newest snapshot.
        case open(models: [Int64])
        /// Rows with ids in the range valid at the snapshot, of these models, by a scan in no particular order.
        case scan(snapshot: Int64, ids: Range<Int64>, models: Set<Int64>)
    }

    /// The word rows of `models` at `snapshot` in `ways` pieces of about equal size.
    func wordPieces(in snapshot: Int64, models: [Int64], ways: Int) throws -> [WordPiece] {
        if try isNewestOfSource(snapshot) {
            // Alternate models so that each piece gets about as many large ones.
            return (0..<min(ways, max(1, models.count))).map { k in
                .open(models: stride(from: k, to: models.count, by: ways).map { models[$0] })
            }
        }
        let end: Int64 = try db.scalar("SELECT ifnull(max(id), 0) + 1 FROM words")
        let keys = Set(models)
        let step = end / Int64(ways) + 1
        return (0..<Int64(ways)).map { k in
            let upper = min(end, (k + 1) * step)
            return .scan(snapshot: snapshot, ids: min(k * step, upper)..<upper, models: keys)
        }
    }

    func forEachRow(of piece: WordPiece, on db: Database, _ body: (Int64, Statement) throws -> Void) throws {
        switch piece {
        case .open(let models):
            let stmt = try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words
                WHERE valid_to = \(Self.open) AND model = ? ORDER BY word
                """)
            for key in models {
                try stmt.bind(key)
                try stmt.forEachRow { r in try body(key, r) }
            }
        case .scan(let snapshot, let ids, let models):
            let stmt = try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words
                WHERE id >= ?2 AND id < ?3 AND valid_from <= ?1 AND valid_to > ?1
                """)
            try stmt.bind(snapshot, ids.lowerBound, ids.upperBound)
            try stmt.forEachRow { r in
                let key = r.int64(0)
                guard models.contains(key) else { return }
                try body(key, r)
            }
        }
    }
}
