import Basics
import Foundation
import SQLiteDB

/// The restore journal (migration 0003). Each call is its own short transaction, committed at once, so a run
/// killed at any point leaves an exact record to resume from. Safe to call from concurrent tasks (a restore's
/// model tasks): writes queue for the archive's one writer (``DatabasePool``), reads run on reader connections.
/// Other writers of the archive (a snapshot committing, a tag) take their turns between the journal's writes.
final class RestoreJournal: Sendable {
    private let pool: DatabasePool

    init(_ store: ArchiveStore) { pool = store.pool }

    struct Row: Sendable {
        var sourceID: String
        var targetID: String?
        var action: RestorePlan.Action
        var replaces: [String]
        var wordCount: Int
        var batchesDone: Int
        var status: RestoreModelStatus
        var message: String?
    }

    struct Run: Sendable {
        var id: Int64
        var snapshot: Int64
        var target: String
        var status: RestoreRunStatus
        var options: RestoreOptions
    }

    func start(plan: RestorePlan) throws -> Int64 {
        let options = String(decoding: try JSONEncoder().encode(plan.options), as: UTF8.self)
        return try pool.write { db in
            try db.run("INSERT INTO restore_runs (snapshot, target, started_at, status, options) VALUES (?, ?, ?, ?, ?)",
                       plan.snapshotID, plan.target, Timestamp.now(), RestoreRunStatus.running.rawValue, options)
            let run = db.lastInsertRowID
            let insert = try db.prepare("""
                INSERT INTO restore_models (run, source_id, target_id, action, replaces, name, language, word_count, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for item in plan.items {
                try insert.run(run, item.sourceID, item.targetID, item.action.rawValue, item.replaces.joined(separator: " "),
                               item.name, item.language, item.words, (item.action == .skip ? RestoreModelStatus.skipped : .pending).rawValue)
            }
            return run
        }
    }

    func run(_ id: Int64) throws -> Run? {
        try pool.read { db in
            try db.query("SELECT id, snapshot, target, status, options FROM restore_runs WHERE id = ?", id) { r in
                Run(id: r.int64(0), snapshot: r.int64(1), target: r.text(2) ?? "",
                    status: try stored(RestoreRunStatus.self, r.text(3), "restore_runs.status", archive: pool.path),
                    options: try JSONDecoder().decode(RestoreOptions.self, from: Data((r.text(4) ?? "{}").utf8)))
            }.first
        }
    }

    /// The newest run of this snapshot into this target that did not finish (killed: `running`; `failed`; `cancelled`).
    func unfinished(snapshot: Int64, target: String) throws -> Int64? {
        try pool.read { db in
            try db.query("""
                SELECT id FROM restore_runs WHERE snapshot = ? AND target = ? AND status IN ('running', 'failed', 'cancelled')
                ORDER BY id DESC LIMIT 1
                """, snapshot, target) { $0.int64(0) }.first
        }
    }

    func rows(run: Int64) throws -> [Row] {
        try pool.read { db in
            try db.query("""
                SELECT source_id, target_id, action, replaces, word_count, batches_done, status, message
                FROM restore_models WHERE run = ? ORDER BY source_id
                """, run) { r in
                Row(sourceID: r.text(0) ?? "", targetID: r.text(1),
                    action: try stored(RestorePlan.Action.self, r.text(2), "restore_models.action", archive: pool.path),
                    replaces: (r.text(3) ?? "").split(separator: " ").map(String.init), wordCount: r.int(4),
                    batchesDone: r.int(5), status: try stored(RestoreModelStatus.self, r.text(6), "restore_models.status", archive: pool.path),
                    message: r.text(7))
            }
        }
    }

    func setStatus(run: Int64, source: String, _ status: RestoreModelStatus, message: String? = nil) throws {
        try pool.write { db in
            try db.run("UPDATE restore_models SET status = ?, message = ? WHERE run = ? AND source_id = ?", status.rawValue, message, run, source)
        }
    }

    /// Stores the new model's id the moment it is known. `adopting`: only if no row of any run claims it yet
    /// (checked and written in one write transaction, so two tasks never adopt one model).
    func setTarget(run: Int64, source: String, targetID: String, target: String, adopting: Bool = false) throws -> Bool {
        try pool.write { db in
            if adopting {
                let taken: Int = try db.scalar("""
                    SELECT count(*) FROM restore_models m JOIN restore_runs r ON r.id = m.run
                    WHERE r.target = ? AND m.target_id = ?
                    """, target, targetID)
                if taken > 0 { return false }
            }
            try db.run("UPDATE restore_models SET target_id = ?, status = 'created', message = NULL WHERE run = ? AND source_id = ?",
                       targetID, run, source)
            return true
        }
    }

    func setBatchesDone(run: Int64, source: String, _ n: Int) throws {
        try pool.write { db in
            try db.run("UPDATE restore_models SET batches_done = ?, status = 'words' WHERE run = ? AND source_id = ?", n, run, source)
        }
    }

    func reject(run: Int64, source: String, word: String, message: String) throws {
        try pool.write { db in
            try db.run("INSERT OR REPLACE INTO restore_rejections (run, source_id, word, message) VALUES (?, ?, ?, ?)",
                       run, source, word, message)
        }
    }

    func rejections(run: Int64) throws -> [String: [RestoreReport.Rejection]] {
        try pool.read { db in
            var out: [String: [RestoreReport.Rejection]] = [:]
            try db.prepare("SELECT source_id, word, message FROM restore_rejections WHERE run = ? ORDER BY source_id, word")
                .bind(run).forEachRow { r in
                    out[r.text(0) ?? "", default: []].append(RestoreReport.Rejection(word: r.text(1) ?? "", message: r.text(2) ?? ""))
                }
            return out
        }
    }

    func finish(run: Int64, status: RestoreRunStatus, report: RestoreReport?) throws {
        var json: String?
        if let report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            json = String(decoding: try encoder.encode(report), as: UTF8.self)
        }
        try pool.write { db in
            try db.run("UPDATE restore_runs SET status = ?, finished_at = ?, report = ? WHERE id = ?", status.rawValue, Timestamp.now(), json, run)
        }
    }
}

/// A row of `tts-archive restores`.
public struct RestoreRunSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var snapshot: Int64
    public var target: String
    public var status: RestoreRunStatus
    public var startedAt: String
    public var finishedAt: String?
    public var models: Int
    public var words: Int
    public var rejections: Int

    /// Every run, oldest first.
    public static func all(in store: ArchiveStore) throws -> [RestoreRunSummary] {
        try store.db.query("""
            SELECT r.id, r.snapshot, r.target, r.status, r.started_at, r.finished_at,
                   (SELECT count(*) FROM restore_models m WHERE m.run = r.id AND m.status <> 'skipped'),
                   (SELECT coalesce(sum(word_count), 0) FROM restore_models m WHERE m.run = r.id AND m.status <> 'skipped'),
                   (SELECT count(*) FROM restore_rejections j WHERE j.run = r.id)
            FROM restore_runs r ORDER BY r.id
            """) { r in
            RestoreRunSummary(id: r.int64(0), snapshot: r.int64(1), target: r.text(2) ?? "",
                              status: try stored(RestoreRunStatus.self, r.text(3), "restore_runs.status", archive: store.path),
                              startedAt: r.text(4) ?? "", finishedAt: r.text(5), models: r.int(6), words: r.int(7), rejections: r.int(8))
        }
    }
}

/// A status column's value as its enum. The schema's CHECK allows only the enum's values, so another value means
/// a damaged archive (a newer schema is refused when the archive is opened).
func stored<T: RawRepresentable>(_ type: T.Type, _ text: String?, _ column: String, archive path: String) throws -> T
    where T.RawValue == String {
    guard let text, let value = T(rawValue: text) else {
        throw ArchiveError.corrupt(path: path,
                                   reason: "\(column) holds \(text.map { "'\($0)'" } ?? "NULL"), which its CHECK constraint does not allow")
    }
    return value
}
