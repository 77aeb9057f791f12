import SQLiteDB
import TTSAPI

/// A snapshot as a restore reads it: every model's metadata at once, each model's words only when asked for, so
/// a restore holds the words of the models in flight and not the whole snapshot.
///
/// Reads run on a read-only connection of its own (never the one the journal writes on), inside one read
/// transaction kept open while the stream lives: every read sees the archive as it was when the restore began,
/// even if a snapshot is taken meanwhile. The connection reads through a small page cache instead of the memory
/// map, so the archive's pages do not stay in the process's memory after a model is read.
actor SnapshotStream {
    private let db: Database
    nonisolated let snapshot: Int64
    /// Metadata and prompts (`words` nil), ordered by customization id.
    nonisolated let models: [CustomModel]
    /// Entries per customization id, as recorded in the snapshot.
    nonisolated let wordCounts: [String: Int]
    private let keys: [String: Int64]
    private let newest: Bool
    /// For an older snapshot: its rows that later snapshots ended, by model key (read on first use). A model's
    /// other rows are still open.
    private var closedRows: [Int64: PackedWords]?
    private var openRows: Statement?

    init(path: String, snapshot: Int64) throws {
        let db = try Database(path: path, mode: .readOnly)
        try db.execute("PRAGMA mmap_size = 0; PRAGMA cache_size = -2048")
        try db.execute("BEGIN")
        let reader = SnapshotReader(db: db)
        let keyed = try reader.keyedModels(in: snapshot, filter: .init())
        let counts = Dictionary(try db.query("SELECT m.id, st.word_count \(try reader.modelsAtSQL())", snapshot) { r in
            (r.int64(0), r.int(1))
        }, uniquingKeysWith: { a, _ in a })
        self.db = db
        self.snapshot = snapshot
        newest = try reader.isNewestOfSource(snapshot)
        models = keyed.map { var m = $0.model; m.words = nil; return m }
        keys = Dictionary(keyed.map { ($0.model.customizationID, $0.key) }, uniquingKeysWith: { a, _ in a })
        wordCounts = Dictionary(keyed.map { ($0.model.customizationID, counts[$0.key] ?? 0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The words of one model of the snapshot as bytes in service order; none for an id the snapshot lacks.
    func words(of customizationID: String) throws -> PackedWords {
        guard let key = keys[customizationID] else { return PackedWords() }
        if openRows == nil {
            // Open rows through the index of open rows (model, word): one seek, then the model's words in order.
            openRows = try db.prepare("""
                SELECT word, translation, part_of_speech FROM words
                WHERE valid_to = \(SnapshotReader.open) AND model = ?1 AND valid_from <= ?2 ORDER BY word
                """)
        }
        var words = PackedWords()
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        try openRows!.bind(key, snapshot)
        try openRows!.forEachRow { r in
            r.withBytes(0) { w in
                r.withBytes(1) { t in
                    r.withBytes(2) { p in words.append(word: w ?? empty, translation: t ?? empty, partOfSpeech: p) }
                }
            }
        }
        if !newest {
            if closedRows == nil { closedRows = try readClosedRows() }
            if let closed = closedRows?[key] {
                words.append(contentsOf: closed)
                words.sort()
            }
        }
        return words
    }

    /// The rows valid at an older snapshot that later ones ended, in one pass over the index of ended rows: as
    /// many as changed since, not the whole snapshot.
    private func readClosedRows() throws -> [Int64: PackedWords] {
        var out: [Int64: PackedWords] = [:]
        let wanted = Set(keys.values)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        try db.prepare("""
            SELECT model, word, translation, part_of_speech FROM words
            WHERE valid_to <> \(SnapshotReader.open) AND valid_to > ?1 AND valid_from <= ?1
            """).bind(snapshot).forEachRow { r in
            let key = r.int64(0)
            guard wanted.contains(key) else { return }
            r.withBytes(1) { w in
                r.withBytes(2) { t in
                    r.withBytes(3) { p in out[key, default: PackedWords()].append(word: w ?? empty, translation: t ?? empty, partOfSpeech: p) }
                }
            }
        }
        return out
    }
}
