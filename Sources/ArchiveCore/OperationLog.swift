import Basics
import Foundation
import SQLiteDB

/// One long-running operation of the archive server (migrations 0008, 0009): what was asked, where it is, how it ended.
/// The status names are the five of Microsoft's Azure REST API guidelines.
public struct OperationRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case notStarted = "NotStarted", running = "Running", succeeded = "Succeeded", failed = "Failed", canceled = "Canceled"
        public var isTerminal: Bool { self == .succeeded || self == .failed || self == .canceled }
    }

    public var id: String
    public var kind: String
    public var status: Status
    public var source: String?
    public var target: String?
    public var snapshot: Int64?
    public var createdAt: String
    public var lastActionAt: String
    public var progress: JobProgress?
    public var warnings: [String]
    public var errorCode: String?
    public var errorMessage: String?
    public var errorTarget: String?
    /// JSON text.
    public var result: String?
    /// The request body as received (JSON text).
    public var request: String
    public var requestHash: String
    public var restoreRun: Int64?
    public var resumedFrom: String?
    /// Who started it (migration 0009; the API's `trigger`).
    public var trigger: Trigger

    /// Who started an operation: a request, the server's scheduler, or a source's `sync_to` after its snapshot.
    public enum Trigger: String, Sendable, CaseIterable {
        case api, schedule, afterSnapshot = "after_snapshot"
    }

    public init(id: String, kind: String, status: Status = .notStarted, trigger: Trigger = .api, source: String? = nil,
                target: String? = nil, snapshot: Int64? = nil, createdAt: String = Timestamp.now(), request: String,
                requestHash: String, resumedFrom: String? = nil) {
        self.id = id
        self.kind = kind
        self.status = status
        self.trigger = trigger
        self.source = source
        self.target = target
        self.snapshot = snapshot
        self.createdAt = createdAt
        self.lastActionAt = createdAt
        self.warnings = []
        self.request = request
        self.requestHash = requestHash
        self.resumedFrom = resumedFrom
    }
}

/// The archive's operation rows. Each call is one short statement (or transaction) on the store's connection:
/// the server keeps one store for them, used from one task at a time.
public struct OperationLog {
    let db: Database

    public init(_ store: ArchiveStore) { db = store.db }

    public struct Filter: Sendable, Equatable {
        public var kind: String?
        public var status: OperationRecord.Status?
        public var source: String?
        public init(kind: String? = nil, status: OperationRecord.Status? = nil, source: String? = nil) {
            self.kind = kind
            self.status = status
            self.source = source
        }
    }

    static let columns = """
        id, kind, status, source, target, snapshot, created_at, last_action_at, phase, models_done, models_total,
        words_done, words_total, warnings, error_code, error_message, error_target, result, request, request_hash,
        restore_run, resumed_from, started_by
        """

    static func record(_ r: Statement) throws -> OperationRecord {
        var o = OperationRecord(id: try r.column(0), kind: try r.column(1), status: OperationRecord.Status(rawValue: try r.column(2)) ?? .failed,
                                source: r.text(3), target: r.text(4), snapshot: r.isNull(5) ? nil : r.int64(5), createdAt: try r.column(6),
                                request: try r.column(18), requestHash: try r.column(19), resumedFrom: r.text(21))
        o.trigger = r.text(22).flatMap(OperationRecord.Trigger.init(rawValue:)) ?? .api
        o.lastActionAt = try r.column(7)
        if let phase = r.text(8) {
            o.progress = JobProgress(job: o.kind, phase: .init(rawValue: phase), modelsDone: r.int(9), modelsTotal: r.int(10),
                                     wordsDone: r.int(11), wordsTotal: r.int(12))
        }
        o.warnings = (r.text(13).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }) ?? []
        o.progress?.warnings = o.warnings
        o.errorCode = r.text(14)
        o.errorMessage = r.text(15)
        o.errorTarget = r.text(16)
        o.result = r.text(17)
        o.restoreRun = r.isNull(20) ? nil : r.int64(20)
        return o
    }

    /// Records a new operation. Throws ``OperationLogError/duplicate(_:)`` when the id is taken.
    public func insert(_ o: OperationRecord) throws {
        do {
            try db.run("""
                INSERT INTO operations (id, kind, status, source, target, snapshot, created_at, last_action_at, request,
                                        request_hash, resumed_from, restore_run, started_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, o.id, o.kind, o.status.rawValue, o.source, o.target, o.snapshot, o.createdAt, o.lastActionAt, o.request,
                       o.requestHash, o.resumedFrom, o.restoreRun, o.trigger.rawValue)
        } catch let error as SQLiteError where error.isConstraint {
            throw OperationLogError.duplicate(o.id)
        }
    }

    /// Writes the row's changeable fields (status, progress, warnings, error, result, restore run).
    public func update(_ o: OperationRecord) throws {
        let warnings = String(decoding: try JSONEncoder().encode(o.warnings), as: UTF8.self)
        try db.run("""
            UPDATE operations SET status = ?, snapshot = ?, last_action_at = ?, phase = ?, models_done = ?, models_total = ?,
                   words_done = ?, words_total = ?, warnings = ?, error_code = ?, error_message = ?, error_target = ?,
                   result = ?, restore_run = ?
            WHERE id = ?
            """, o.status.rawValue, o.snapshot, o.lastActionAt, o.progress?.phase.rawValue, o.progress?.modelsDone ?? 0,
                   o.progress?.modelsTotal ?? 0, o.progress?.wordsDone ?? 0, o.progress?.wordsTotal ?? 0, warnings, o.errorCode,
                   o.errorMessage, o.errorTarget, o.result, o.restoreRun, o.id)
    }

    public func get(_ id: String) throws -> OperationRecord? {
        try db.query("SELECT \(Self.columns) FROM operations WHERE id = ?", id, map: Self.record).first
    }

    /// Newest first: `limit` rows after skipping `offset`.
    public func list(_ filter: Filter = .init(), limit: Int, offset: Int) throws -> [OperationRecord] {
        try db.query("""
            SELECT \(Self.columns) FROM operations
            WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR source = ?3)
            ORDER BY seq DESC LIMIT ?4 OFFSET ?5
            """, filter.kind, filter.status?.rawValue, filter.source, Int64(limit), Int64(offset), map: Self.record)
    }

    /// Marks every operation left NotStarted or Running (by a process that died) Failed with code `interrupted`.
    /// Returns their ids.
    @discardableResult
    public func markInterrupted(at time: String = Timestamp.now()) throws -> [String] {
        try db.transaction {
            let ids = try db.query("SELECT id FROM operations WHERE status IN ('NotStarted', 'Running') ORDER BY seq") { r -> String in
                try r.column(0)
            }
            try db.run("""
                UPDATE operations SET status = 'Failed', last_action_at = ?, error_code = 'interrupted',
                       error_message = 'the server stopped while the operation ran'
                WHERE status IN ('NotStarted', 'Running')
                """, time)
            return ids
        }
    }

    /// The restore journal run a restore into `target` (its redacted URL) of `snapshot` started at or after
    /// `since`: the run an operation made, found after the fact (the journal, not the row, is the truth).
    public func restoreRun(snapshot: Int64, target: String, since: String) throws -> Int64? {
        try db.query("""
            SELECT id FROM restore_runs WHERE snapshot = ? AND target = ? AND started_at >= ? ORDER BY id DESC LIMIT 1
            """, snapshot, target, since) { $0.int64(0) }.first
    }
}

public enum OperationLogError: Error, Equatable, CustomStringConvertible {
    case duplicate(String)

    public var description: String {
        switch self {
        case .duplicate(let id): "an operation with id '\(id)' exists"
        }
    }
}
