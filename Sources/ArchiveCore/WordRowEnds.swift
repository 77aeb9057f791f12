import SQLiteDB

/// Where a word row's validity ends.
///
/// A word row is valid from the snapshot that wrote it (`valid_from`) up to the one that changed or deleted the
/// word (`valid_to`), and only while its model is: when a model is removed, the snapshot closes the model's
/// versions, states and prompts, but leaves its word rows open (migration 0010), so that removing a model of
/// 20,000 words writes three rows, not 20,000 entries in the indexes of ended rows. Such a row ends where its
/// model's last state ended. Rows never span a model's absence: a model that comes back has the rows it had when
/// it vanished closed there before its words are written anew (``SnapshotWriter``).
///
/// Readers of one snapshot need none of this (they read the models valid at that snapshot and their rows).
/// Readers of ranges do: the diff (rows that ended between two snapshots), a word's history, `check`, `forget`.
struct WordRowEnds {
    static let open = SnapshotWriter.open

    private let db: Database
    /// Each model's end asked for so far (``open`` while it is valid).
    private var modelEnds: [Int64: Int64] = [:]

    init(db: Database) { self.db = db }

    /// The snapshot that ended a row of `model` whose `valid_to` is `validTo` (``open`` while it is valid).
    mutating func end(model: Int64, validTo: Int64) throws -> Int64 {
        guard validTo == Self.open else { return validTo }
        if let end = modelEnds[model] { return end }
        let end: Int64 = try db.scalar("SELECT coalesce(max(valid_to), \(Self.open)) FROM model_states WHERE model = ?", model)
        modelEnds[model] = end
        return end
    }

    /// The models of snapshot `lo`'s source removed after `lo`, by `hi` (and not back since), with the snapshot
    /// that removed each.
    static func removed(from lo: Int64, to hi: Int64, on db: Database) throws -> [(model: Int64, end: Int64)] {
        try db.query("""
            SELECT e.model, e.end FROM (\(removedModelsSQL)) e JOIN models m ON m.id = e.model
            WHERE m.source = (SELECT source FROM snapshots WHERE id = ?1) AND e.end > ?1 AND e.end <= ?2
            """, lo, hi) { (model: $0.int64(0), end: $0.int64(1)) }
    }

    /// In SQL, the models removed and not back (`model`) with the snapshot that removed them (`end`): a table
    /// of a few rows, to join with their rows still open. The open states are read through their index, and only
    /// a removed model's states after that, so its cost grows with the models, not with their history (a
    /// `GROUP BY` over every state cost every diff 2 ms after 30 nights, and grows by a night's states a night).
    static let removedModelsSQL = """
        SELECT e.model, e.end FROM (
            SELECT m.id AS model, (SELECT max(s.valid_to) FROM model_states s WHERE s.model = m.id) AS end
            FROM models m
            WHERE m.id NOT IN (SELECT model FROM model_states WHERE valid_to = \(open))) e
        WHERE e.end IS NOT NULL
        """
}
