import Foundation
import SQLiteDB

/// Tags, notes, forgetting and copying: the changes to an archive that are not snapshots.
public struct ArchiveMaintenance {
    let store: ArchiveStore
    var db: Database { store.db }
    static let open = SnapshotWriter.open

    public init(_ store: ArchiveStore) { self.store = store }

    public func addTags(_ tags: [String], to snapshot: Int64) throws {
        for t in tags { try SnapshotSelector.validateTag(t) }
        try db.transaction {
            for t in tags { try db.run("INSERT OR IGNORE INTO snapshot_tags (snapshot, tag) VALUES (?, ?)", snapshot, t) }
        }
    }

    public func removeTags(_ tags: [String], from snapshot: Int64) throws {
        try db.transaction {
            for t in tags { try db.run("DELETE FROM snapshot_tags WHERE snapshot = ? AND tag = ?", snapshot, t) }
        }
    }

    public func setNote(_ note: String?, on snapshot: Int64) throws {
        try db.run("UPDATE snapshots SET note = ? WHERE id = ?", note, snapshot)
    }

    /// The keep/forget decision for every snapshot, lineage by lineage.
    ///
    /// Refuses a plan a typo could have made: a `tags` rule naming a tag no snapshot has (a keep rule that keeps
    /// nothing), and, unless `allowEmpty`, a plan that forgets every snapshot of a lineage.
    public func plan(_ policy: RetentionPolicy, allowEmpty: Bool = false) throws -> [RetentionPolicy.Decision] {
        guard !policy.isEmpty else { throw RetentionError.noPolicy }
        let rows = try db.query("""
            SELECT s.id, s.source, s.finished_at,
                   (SELECT group_concat(tag, char(10)) FROM snapshot_tags t WHERE t.snapshot = s.id)
            FROM snapshots s ORDER BY s.id
            """) { (id: $0.int64(0), source: $0.int64(1), finishedAt: $0.text(2) ?? "", tags: ($0.text(3) ?? "").split(separator: "\n").map(String.init)) }
        let existingTags = Set(rows.flatMap(\.tags))
        if let unknown = policy.tags.first(where: { !existingTags.contains($0) }) {
            throw RetentionError.unknownTag(unknown, existing: existingTags.sorted())
        }
        let sources = Dictionary(grouping: rows, by: \.source).keys.sorted()
        var decisions: [RetentionPolicy.Decision] = []
        for source in sources {
            let lineage = policy.decide(rows.filter { $0.source == source }.map { ($0.id, $0.finishedAt, $0.tags) })
            if !allowEmpty, !lineage.isEmpty, !lineage.contains(where: \.keep) {
                let url: String = try db.scalar("SELECT url FROM sources WHERE id = ?", source)
                let scope: String = try db.scalar("SELECT scope FROM sources WHERE id = ?", source)
                throw RetentionError.wouldForgetLineage(source: scope.isEmpty ? url : "\(url) (\(scope))", snapshots: lineage.count)
            }
            decisions += lineage
        }
        return decisions
    }

    public struct ForgetResult: Sendable, Equatable, Codable {
        public var forgotten: [Int64]
        public var rowsRemoved: Int
        public var bytesBefore: Int64
        public var bytesAfter: Int64
    }

    /// Forgets snapshots and removes every row no surviving snapshot needs, in one transaction; surviving
    /// snapshots keep their content (and digest). With `vacuum`, the file is then rewritten to give the space
    /// back to the file system.
    public func forget(_ ids: [Int64], vacuum: Bool) throws -> ForgetResult {
        let before = try db.logicalSize()
        var removed = 0
        try db.transaction {
            for id in ids { try db.run("DELETE FROM snapshots WHERE id = ?", id) }
            for table in ["words", "model_versions", "model_states", "prompts"] {
                try db.run("""
                    DELETE FROM \(table) WHERE id IN (
                        SELECT r.id FROM \(table) r JOIN models m ON m.id = r.model
                        WHERE NOT EXISTS (SELECT 1 FROM snapshots s
                            WHERE s.source = m.source AND s.id >= r.valid_from AND s.id < r.valid_to))
                    """)
                removed += db.changes
            }
            try db.run("DELETE FROM models WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = models.id)")
            try db.run("DELETE FROM sources WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.source = sources.id) AND NOT EXISTS (SELECT 1 FROM models m WHERE m.source = sources.id)")
        }
        if vacuum {
            try db.execute("VACUUM")
        }
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return ForgetResult(forgotten: ids, rowsRemoved: removed, bytesBefore: before, bytesAfter: try db.logicalSize())
    }


    /// A consistent copy of the archive (SQLite `VACUUM INTO`) while it stays in use; made private (0600).
    public func backup(to destination: String) throws {
        do {
            try db.copy(to: destination)
        } catch let error as SQLiteError {
            throw ArchiveError.io(path: destination, reason: error.message)
        }
        chmod(destination, 0o600)
    }
}
