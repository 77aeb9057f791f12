import Basics
import Foundation
import SQLiteDB
import TTSAPI

/// A warm standby's pairing as the archive holds it (migration 0007): which snapshot the target last equalled,
/// and each source model's twin on it. A target is its redacted URL, never its credentials.
public struct SyncPairing: Sendable, Equatable {
    public var target: String
    /// The snapshot the target last equalled.
    public var snapshot: Int64
    public var syncedAt: String
    /// The restore run that seeded it.
    public var restoreRun: Int64?
    /// Source customization id -> target customization id, for the models kept in step.
    public var paired: [String: String]
    /// Source id -> target id of models removed from the source whose twin `--keep-removed` left on the target.
    public var kept: [String: String]

    /// Target id -> source id of paired models.
    public var sourceByTarget: [String: String] {
        Dictionary(paired.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
    }

    /// The pairing of `target`, or nil when it was never synced.
    public static func load(target: String, in store: ArchiveStore) throws -> SyncPairing? {
        try SyncJournal(store).pairing(target: target)
    }
}

/// A row of `tts-archive syncs`.
public struct SyncTargetSummary: Codable, Sendable, Equatable {
    public var target: String
    public var snapshot: Int64
    public var syncedAt: String
    public var models: Int
    public var kept: Int
    /// Snapshots of the same source taken after `snapshot`: how far the target is behind the archive.
    public var behind: Int
    /// The newest sync run into the target (nil when only its first restore ran).
    public var lastRun: Int64?
    public var lastRunStatus: SyncRunStatus?

    public static func all(in store: ArchiveStore) throws -> [SyncTargetSummary] {
        guard try SyncJournal.hasTables(store.db) else { return [] }
        return try store.db.query("""
            SELECT t.target, t.snapshot, t.synced_at,
                   (SELECT count(*) FROM sync_pairings p WHERE p.target = t.target AND p.state = 'paired'),
                   (SELECT count(*) FROM sync_pairings p WHERE p.target = t.target AND p.state = 'kept'),
                   (SELECT count(*) FROM snapshots later, snapshots s
                     WHERE s.id = t.snapshot AND later.source = s.source AND later.id > s.id),
                   (SELECT max(id) FROM sync_runs r WHERE r.target = t.target)
            FROM sync_targets t ORDER BY t.target
            """) { r in
            SyncTargetSummary(target: r.text(0) ?? "", snapshot: r.int64(1), syncedAt: r.text(2) ?? "", models: r.int(3),
                              kept: r.int(4), behind: r.int(5), lastRun: r.isNull(6) ? nil : r.int64(6), lastRunStatus: nil)
        }.map { summary in
            var s = summary
            if let run = s.lastRun {
                s.lastRunStatus = try stored(SyncRunStatus.self, try store.db.scalar("SELECT status FROM sync_runs WHERE id = ?", run),
                                             "sync_runs.status", archive: store.path)
            }
            return s
        }
    }
}

/// The pairing and the sync journal: each call its own short transaction, committed at once, so a run killed at
/// any point leaves an exact record to resume from (as ``RestoreJournal``). Safe to call from concurrent tasks.
final class SyncJournal: Sendable {
    let pool: DatabasePool

    init(_ store: ArchiveStore) { pool = store.pool }

    struct Run: Sendable {
        var id: Int64
        var target: String
        var from: Int64
        var to: Int64
        var status: SyncRunStatus
        var options: SyncOptions
    }

    struct Step: Sendable {
        var sourceID: String
        var action: SyncPlan.Action
        var targetID: String?
        var plan: SyncPlan.Step
        var requestsDone: Int
        var status: SyncStepStatus
        var message: String?
    }

    // MARK: Pairing

    /// Whether the archive has sync's tables: an archive written before migration 0007, read on a read-only
    /// mount, has none (and so no pairing).
    static func hasTables(_ db: Database) throws -> Bool {
        try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_targets'", as: Int.self) > 0
    }

    func pairing(target: String) throws -> SyncPairing? {
        try pool.read { db in
            guard try Self.hasTables(db) else { return nil }
            guard let head = try db.query("SELECT snapshot, synced_at, restore_run FROM sync_targets WHERE target = ?", target, map: { r in
                (r.int64(0), r.text(1) ?? "", r.isNull(2) ? nil : r.int64(2))
            }).first else { return nil }
            var pairing = SyncPairing(target: target, snapshot: head.0, syncedAt: head.1, restoreRun: head.2, paired: [:], kept: [:])
            try db.prepare("SELECT source_id, target_id, state FROM sync_pairings WHERE target = ?").bind(target).forEachRow { r in
                if r.text(2) == "kept" {
                    pairing.kept[r.text(0) ?? ""] = r.text(1) ?? ""
                } else {
                    pairing.paired[r.text(0) ?? ""] = r.text(1) ?? ""
                }
            }
            return pairing
        }
    }

    /// Records the pairing a finished first run (a restore) made: every model it restored, at its snapshot.
    func seed(target: String, snapshot: Int64, restoreRun: Int64, pairs: [String: String]) throws {
        try pool.write { db in
            try db.run("DELETE FROM sync_pairings WHERE target = ?", target)
            try db.run("DELETE FROM sync_targets WHERE target = ?", target)
            try db.run("INSERT INTO sync_targets (target, snapshot, synced_at, restore_run) VALUES (?, ?, ?, ?)",
                       target, snapshot, Timestamp.now(), restoreRun)
            let insert = try db.prepare("INSERT INTO sync_pairings (target, source_id, target_id) VALUES (?, ?, ?)")
            for (source, twin) in pairs.sorted(by: { $0.key < $1.key }) { try insert.run(target, source, twin) }
        }
    }

    /// Moves the pairing to `snapshot` with the run's changes, and finishes the run, in one transaction. With status
    /// `running` the run stays unfinished (a verification is to come and finishes it).
    func advance(target: String, to snapshot: Int64, run: Int64?, steps: [Step], status: SyncRunStatus, report: SyncReport?) throws {
        let json = try report.map(Self.encode)
        try pool.write { db in
            for step in steps {
                switch step.action {
                case .create, .replace:
                    guard let twin = step.targetID else { continue }
                    try db.run("INSERT OR REPLACE INTO sync_pairings (target, source_id, target_id, state) VALUES (?, ?, ?, 'paired')",
                               target, step.sourceID, twin)
                case .delete:
                    try db.run("DELETE FROM sync_pairings WHERE target = ? AND source_id = ?", target, step.sourceID)
                case .keep:
                    try db.run("UPDATE sync_pairings SET state = 'kept' WHERE target = ? AND source_id = ?", target, step.sourceID)
                case .update:
                    break
                }
            }
            try db.run("UPDATE sync_targets SET snapshot = ?, synced_at = ? WHERE target = ?", snapshot, Timestamp.now(), target)
            if let run {
                try db.run("UPDATE sync_runs SET status = ?, finished_at = ?, report = ? WHERE id = ?", status.rawValue,
                           status == .running ? nil : Timestamp.now(), json, run)
            }
        }
    }

    /// Whether a run or pairing into `target` already claims the target model `id` (a create's adoption takes
    /// only a model nobody claims).
    private static func claimed(_ db: Database, target: String, id: String) throws -> Bool {
        let n: Int = try db.scalar("""
            SELECT (SELECT count(*) FROM sync_pairings WHERE target = ?1 AND target_id = ?2)
                 + (SELECT count(*) FROM sync_steps s JOIN sync_runs r ON r.id = s.run WHERE r.target = ?1 AND s.target_id = ?2)
                 + (SELECT count(*) FROM restore_models m JOIN restore_runs r ON r.id = m.run WHERE r.target = ?1 AND m.target_id = ?2)
            """, target, id)
        return n > 0
    }

    // MARK: Runs

    func start(plan: SyncPlan, options: SyncOptions) throws -> Int64 {
        let encoded = try Self.encodePlain(options)
        return try pool.write { db in
            try db.run("INSERT INTO sync_runs (target, from_snapshot, to_snapshot, started_at, status, options) VALUES (?, ?, ?, ?, 'running', ?)",
                       plan.target, plan.fromSnapshot ?? 0, plan.toSnapshot, Timestamp.now(), encoded)
            let run = db.lastInsertRowID
            let insert = try db.prepare("""
                INSERT INTO sync_steps (run, source_id, action, target_id, plan, status) VALUES (?, ?, ?, ?, ?, 'pending')
                """)
            for step in plan.steps {
                try insert.run(run, step.sourceID, step.action.rawValue, step.action == .create || step.action == .replace ? nil : step.targetID,
                               try Self.encodePlain(step))
            }
            return run
        }
    }

    func run(_ id: Int64) throws -> Run? {
        try pool.read { db in
            try db.query("SELECT id, target, from_snapshot, to_snapshot, status, options FROM sync_runs WHERE id = ?", id) { r in
                Run(id: r.int64(0), target: r.text(1) ?? "", from: r.int64(2), to: r.int64(3),
                    status: try stored(SyncRunStatus.self, r.text(4), "sync_runs.status", archive: db.path),
                    options: try JSONDecoder().decode(SyncOptions.self, from: Data((r.text(5) ?? "{}").utf8)))
            }.first
        }
    }

    /// The newest run into `target` that did not finish (killed: `running`; or `failed`, `cancelled`).
    func unfinished(target: String) throws -> Int64? {
        try pool.read { db in
            try db.query("SELECT id FROM sync_runs WHERE target = ? AND status IN ('running', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1",
                         target) { $0.int64(0) }.first
        }
    }

    func steps(run: Int64) throws -> [Step] {
        try pool.read { db in
            try db.query("""
                SELECT source_id, action, target_id, plan, requests_done, status, message FROM sync_steps WHERE run = ? ORDER BY source_id
                """, run) { r in
                Step(sourceID: r.text(0) ?? "", action: try stored(SyncPlan.Action.self, r.text(1), "sync_steps.action", archive: db.path),
                     targetID: r.text(2),
                     plan: try JSONDecoder().decode(SyncPlan.Step.self, from: Data((r.text(3) ?? "{}").utf8)),
                     requestsDone: r.int(4), status: try stored(SyncStepStatus.self, r.text(5), "sync_steps.status", archive: db.path),
                     message: r.text(6))
            }
        }
    }

    func setStatus(run: Int64, source: String, _ status: SyncStepStatus, message: String? = nil) throws {
        try pool.write { db in
            try db.run("UPDATE sync_steps SET status = ?, message = ? WHERE run = ? AND source_id = ?", status.rawValue, message, run, source)
        }
    }

    /// Stores a created model's id the moment it is known. `adopting`: only if nothing claims it yet (checked and
    /// written in one write transaction, so two tasks never adopt one model).
    func setTarget(run: Int64, source: String, targetID: String, target: String, adopting: Bool = false) throws -> Bool {
        try pool.write { db in
            if adopting, try Self.claimed(db, target: target, id: targetID) { return false }
            try db.run("UPDATE sync_steps SET target_id = ?, status = 'created', message = NULL WHERE run = ? AND source_id = ?",
                       targetID, run, source)
            return true
        }
    }

    func setRequestsDone(run: Int64, source: String, _ n: Int) throws {
        try pool.write { db in
            try db.run("UPDATE sync_steps SET requests_done = ?, status = 'words' WHERE run = ? AND source_id = ?", n, run, source)
        }
    }

    func reject(run: Int64, source: String, word: String, message: String) throws {
        try pool.write { db in
            try db.run("INSERT OR REPLACE INTO sync_rejections (run, source_id, word, message) VALUES (?, ?, ?, ?)", run, source, word, message)
        }
    }

    func rejections(run: Int64) throws -> [String: [RestoreReport.Rejection]] {
        try pool.read { db in
            var out: [String: [RestoreReport.Rejection]] = [:]
            try db.prepare("SELECT source_id, word, message FROM sync_rejections WHERE run = ? ORDER BY source_id, word")
                .bind(run).forEachRow { r in
                    out[r.text(0) ?? "", default: []].append(RestoreReport.Rejection(word: r.text(1) ?? "", message: r.text(2) ?? ""))
                }
            return out
        }
    }

    func finish(run: Int64, status: SyncRunStatus, report: SyncReport?) throws {
        let json = try report.map(Self.encode)
        try pool.write { db in
            try db.run("UPDATE sync_runs SET status = ?, finished_at = ?, report = ? WHERE id = ?", status.rawValue, Timestamp.now(), json, run)
        }
    }

    /// Journal values read back by this type (options, steps): default keys, as the restore journal's options.
    static func encodePlain<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Reports: snake_case, as `restore_runs.report`.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension SnapshotDiff {
    /// A snapshot against a synced target's models (``LiveState``), each twin matched with its source model through
    /// the pairing: how far the target is from the snapshot. The target side keeps its own ids; twins kept after
    /// their source was removed are left out, as are prompts (never synced). An absent description reads as empty.
    public func against(_ snapshot: Int64, live: [CustomModel], pairing: SyncPairing, liveLabel: String, snapshotFirst: Bool,
                        filter: ModelFilter) throws -> ArchiveDiff {
        let stored = try reader.models(in: snapshot, filter: filter).map { Syncer.comparable($0, words: $0.words ?? []) }
        let sources = pairing.sourceByTarget
        let kept = Set(pairing.kept.values)
        let current = live.filter { filter.matches($0) && !kept.contains($0.customizationID) }.map { m in
            var c = Syncer.comparable(m, words: m.words ?? [])
            if let source = sources[m.customizationID] { c.customizationID = source }
            return c
        }
        let label = "snapshot \(snapshot)"
        let raw = snapshotFirst ? ContentDiff.compare(stored, current, from: label, to: liveLabel, matchBy: .id)
            : ContentDiff.compare(current, stored, from: liveLabel, to: label, matchBy: .id)
        let models = raw.models.map { d in
            var d = d
            if snapshotFirst {
                d.toCustomizationID = d.toCustomizationID.map { pairing.paired[$0] ?? $0 }
            } else {
                d.fromCustomizationID = d.fromCustomizationID.map { pairing.paired[$0] ?? $0 }
            }
            return d
        }
        return ArchiveDiff(from: raw.from, to: raw.to, matchBy: "pairing", models: models)
    }
}
