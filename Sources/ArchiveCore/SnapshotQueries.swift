import Basics
import SQLiteDB
import TTSAPI

/// Reads a front end with several sources needs: snapshots of one source (by its service URL), newest first and
/// paged, and selectors whose meaning depends on the source (`latest`, `latest~N`, a time).
extension SnapshotReader {
    /// Which snapshots a listing shows. `sourceURL` is a source's service URL as recorded (redacted).
    public struct Listing: Sendable, Equatable {
        public var sourceURL: String?
        public var tag: String?
        /// Started at or after / at or before these instants (UTC ISO 8601, compared as recorded).
        public var since: String?
        public var until: String?
        public init(sourceURL: String? = nil, tag: String? = nil, since: String? = nil, until: String? = nil) {
            self.sourceURL = sourceURL
            self.tag = tag
            self.since = since
            self.until = until
        }
    }

    /// Snapshots matching `listing`, newest first: `limit` of them after skipping `offset`.
    public func list(_ listing: Listing, limit: Int, offset: Int) throws -> [SnapshotRecord] {
        try db.query("""
            SELECT \(Self.recordColumns)
            WHERE (?1 IS NULL OR src.url = ?1)
              AND (?2 IS NULL OR EXISTS (SELECT 1 FROM snapshot_tags t WHERE t.snapshot = s.id AND t.tag = ?2))
              AND (?3 IS NULL OR s.started_at >= ?3) AND (?4 IS NULL OR s.started_at <= ?4)
            ORDER BY s.id DESC LIMIT ?5 OFFSET ?6
            """, listing.sourceURL, listing.tag, listing.since, listing.until, Int64(limit), Int64(offset), map: Self.record)
    }

    /// Resolves `selector` among the snapshots of the source recorded with `sourceURL` (every snapshot when nil):
    /// `latest`, `latest~N` and times count that source's snapshots only; ids and tags name one snapshot anywhere.
    public func resolve(_ selector: SnapshotSelector, sourceURL: String?) throws -> Int64 {
        guard let sourceURL else { return try resolve(selector) }
        switch selector {
        case .id, .tag:
            return try resolve(selector)
        case .latest(let back):
            let ids = try db.query("""
                SELECT s.id FROM snapshots s JOIN sources src ON src.id = s.source WHERE src.url = ? ORDER BY s.id DESC LIMIT ?
                """, sourceURL, Int64(back + 1)) { $0.int64(0) }
            guard ids.count == back + 1 else {
                if ids.isEmpty { throw SelectorError.notFound(selector.description, available: "the source \(sourceURL) has no snapshots") }
                throw SelectorError.notFound(selector.description, available: "the source \(sourceURL) has only \(ids.count)")
            }
            return ids[back]
        case .at(let date, let text):
            let stamp = Timestamp.string(from: date)
            if let id = try db.query("""
                SELECT s.id FROM snapshots s JOIN sources src ON src.id = s.source
                WHERE src.url = ? AND s.finished_at <= ? ORDER BY s.finished_at DESC, s.id DESC LIMIT 1
                """, sourceURL, stamp, map: { $0.int64(0) }).first {
                return id
            }
            throw SelectorError.notFound("at or before \(text)", available: "the source \(sourceURL) has no snapshot finished by then")
        }
    }

    /// One model of a snapshot with its counts, without reading its words.
    public struct ModelSummary: Sendable, Equatable {
        public var customizationID: String
        public var name: String?
        public var language: String?
        public var description: String?
        public var words: Int
        public var prompts: Int
    }

    /// The models valid at `snapshot`, ordered by customization id, with their word counts as recorded (each
    /// state's `word_count`) and prompt counts: a listing that reads no word rows.
    public func modelSummaries(in snapshot: Int64) throws -> [ModelSummary] {
        try db.query("""
            SELECT m.customization_id, v.name, v.language, v.description, st.word_count,
                   (SELECT count(*) FROM prompts p WHERE p.model = m.id AND p.valid_from <= ?1 AND p.valid_to > ?1)
            \(try modelsAtSQL())
            """, snapshot) { r in
            ModelSummary(customizationID: try r.column(0), name: r.text(1), language: r.text(2), description: r.text(3),
                         words: r.int(4), prompts: r.int(5))
        }.sorted { ByteOrder.compare($0.customizationID, $1.customizationID) < 0 }
    }
}
