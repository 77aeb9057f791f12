import Basics
import Foundation
import SQLiteDB

/// What the archive server's scheduler and metrics read and write (migration 0009's `schedule_pauses`, and
/// summaries of snapshots, operations and sync pairings). Each call is one short statement on the store's
/// connection; the caller keeps one store for them, used from one task at a time.
public struct ScheduleRows {
    let db: Database

    public init(_ store: ArchiveStore) { db = store.db }

    // MARK: pauses

    /// Paused schedules: source name -> when.
    public func pauses() throws -> [String: String] {
        Dictionary(try db.query("SELECT source, paused_at FROM schedule_pauses") { (try $0.column(0) as String, try $0.column(1) as String) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// Pauses `source` (a repeated pause keeps the first time). Returns when it was paused.
    @discardableResult
    public func pause(_ source: String, at time: String = Timestamp.now()) throws -> String {
        try db.run("INSERT INTO schedule_pauses (source, paused_at) VALUES (?, ?) ON CONFLICT (source) DO NOTHING", source, time)
        return try db.scalar("SELECT paused_at FROM schedule_pauses WHERE source = ?", source)
    }

    public func resume(_ source: String) throws {
        try db.run("DELETE FROM schedule_pauses WHERE source = ?", source)
    }

    // MARK: snapshots

    /// The newest snapshot of a service source (any scope), whoever took it (the server or the CLI).
    public struct LatestSnapshot: Sendable, Equatable {
        public var id: Int64
        public var finishedAt: String
        public var models: Int
        public var words: Int
    }

    /// The newest snapshot of each service URL recorded.
    public func latestSnapshots() throws -> [String: LatestSnapshot] {
        let rows = try db.query("""
            SELECT src.url, s.id, s.finished_at, s.model_count, s.word_count
            FROM (SELECT max(s.id) AS id FROM snapshots s JOIN sources src ON src.id = s.source
                  WHERE src.kind = 'service' GROUP BY src.url) newest
            JOIN snapshots s ON s.id = newest.id JOIN sources src ON src.id = s.source
            """) { r in
            (try r.column(0) as String, LatestSnapshot(id: r.int64(1), finishedAt: try r.column(2), models: r.int(3), words: r.int(4)))
        }
        return Dictionary(rows, uniquingKeysWith: { a, b in a.id > b.id ? a : b })
    }

    // MARK: operations

    /// The newest ended operation of one kind and name (source or target), and its newest success.
    public struct OperationSummary: Sendable, Equatable {
        public var kind: String
        /// The operation's target for restores and syncs, else its source.
        public var name: String
        public var lastStatus: String
        public var lastEndedAt: String
        public var lastID: String
        public var lastErrorCode: String?
        public var lastSuccessAt: String?
    }

    /// One summary per (kind, name) that has ended operations: what metrics rebuild after a restart.
    public func operationSummaries() throws -> [OperationSummary] {
        let last = try db.query("""
            SELECT kind, CASE WHEN kind IN ('restore', 'sync') THEN target ELSE source END AS name, status, last_action_at, id,
                   error_code
            FROM operations o
            WHERE seq IN (SELECT max(seq) FROM operations WHERE status IN ('Succeeded', 'Failed', 'Canceled')
                          GROUP BY kind, CASE WHEN kind IN ('restore', 'sync') THEN target ELSE source END)
            """) { r in
            OperationSummary(kind: try r.column(0), name: r.text(1) ?? "", lastStatus: try r.column(2), lastEndedAt: try r.column(3),
                             lastID: try r.column(4), lastErrorCode: r.text(5))
        }
        let successes = try db.query("""
            SELECT kind, CASE WHEN kind IN ('restore', 'sync') THEN target ELSE source END AS name, max(last_action_at)
            FROM operations WHERE status = 'Succeeded' GROUP BY 1, 2
            """) { r in ("\(try r.column(0) as String)\n\(r.text(1) ?? "")", try r.column(2) as String) }
        let byKey = Dictionary(successes, uniquingKeysWith: max)
        return last.map { s in
            var s = s
            s.lastSuccessAt = byKey["\(s.kind)\n\(s.name)"]
            return s
        }
    }

    /// The newest operations a schedule started for `source` (snapshots, and drills after them), newest first.
    public func lastScheduledRun(source: String) throws -> (id: String, status: String, at: String)? {
        try db.query("""
            SELECT id, status, last_action_at FROM operations
            WHERE kind = 'snapshot' AND source = ? AND started_by = 'schedule' ORDER BY seq DESC LIMIT 1
            """, source) { (try $0.column(0) as String, try $0.column(1) as String, try $0.column(2) as String) }.first
    }

    /// The retention runs after scheduled snapshots (recorded in the snapshot operation's result as `forget`):
    /// per source, the newest one's status and time, and the newest success.
    public func forgetSummaries() throws -> [String: (status: String, at: String, lastSuccessAt: String?)] {
        var out: [String: (status: String, at: String, lastSuccessAt: String?)] = [:]
        try db.query("""
            SELECT source, json_extract(result, '$.forget.status'), last_action_at FROM operations
            WHERE kind = 'snapshot' AND started_by = 'schedule' AND source IS NOT NULL AND json_valid(result)
              AND json_extract(result, '$.forget.status') IS NOT NULL
            ORDER BY seq
            """) { r in (try r.column(0) as String, try r.column(1) as String, try r.column(2) as String) }
            .forEach { source, status, at in
                let success = status == "succeeded" ? at : out[source]?.lastSuccessAt
                out[source] = (status, at, success)
            }
        return out
    }

    // MARK: syncs

    /// Sync targets (redacted URLs) and the snapshot each last equalled, with when (migration 0007's pairing).
    public func syncedTargets() throws -> [String: (snapshot: Int64, syncedAt: String, snapshotFinishedAt: String?)] {
        let rows = try db.query("""
            SELECT t.target, t.snapshot, t.synced_at, s.finished_at FROM sync_targets t LEFT JOIN snapshots s ON s.id = t.snapshot
            """) { r in (try r.column(0) as String, (r.int64(1), try r.column(2) as String, r.text(3))) }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    // MARK: size

    /// The archive's size on disk: the file and its write-ahead log.
    public static func sizeOnDisk(path: String) -> Int64 {
        func size(_ p: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return size(path) + size(path + "-wal")
    }
}
