import Basics
import ArchiveCore
import Digest
import Foundation
import Logging
import SQLiteDB
import Synchronization
import TTSClient

/// What a job hands back: its result document, warnings, and whether it failed after all (a drill that found
/// differences, a restore whose models failed: a result that is still worth reading).
struct JobOutcome: Sendable {
    var result: Data?
    var warnings: [String] = []
    var failure: (code: String, message: String)?
    /// The snapshot the job made (snapshot) or read.
    var snapshot: Int64?
    /// The restore journal run (restore).
    var restoreRun: Int64?
}

/// What a job may use while it runs.
struct JobContext: Sendable {
    let id: String
    let progress: JobProgressSink
    let gate: AsyncSemaphore
}

/// An operation to start: its row's fields and the job that does the work.
struct OperationSpec: Sendable {
    var kind: String
    var source: String?
    var target: String?
    var snapshot: Int64?
    /// The request body as received (JSON text) and its canonical hash (idempotency).
    var request: String
    var requestHash: String
    var resumedFrom: String?
    var restoreRun: Int64?
    /// A restore's target URL (redacted), to find its journal run after the fact.
    var targetURL: String?
    var job: @Sendable (JobContext) async throws -> JobOutcome
    /// Who asks: a request, the scheduler, a source's `sync_to` after its snapshot.
    var trigger: OperationRecord.Trigger = .api
}

/// Runs the server's long-running operations: one row each in the archive (``ArchiveCore/OperationLog``), one
/// task each here. Rows are written on this actor's own connection; jobs open the archive themselves, as the
/// CLI's commands do.
actor OperationCenter {
    enum Started: Sendable {
        case started(OperationRecord)
        /// The same Operation-Id and request were seen before: that operation.
        case existing(OperationRecord)
    }

    private let store: ArchiveStore
    private var log: OperationLog { OperationLog(store) }
    private var tasks: [String: Task<Void, Never>] = [:]
    /// Running operations, newest state (the row follows it).
    private var active: [String: OperationRecord] = [:]
    private var targetURLs: [String: String] = [:]
    private var canceled: Set<String> = []
    private var stopping = false
    /// One writing job of this server at a time, before it takes the archive's run lock (a `flock` that two holders
    /// in one process would also fight over): server jobs queue here, first come first served (a queued operation is
    /// Running with phase `waiting`); the run lock then tells them apart from another process (the CLI from cron),
    /// which fails the job with `locked`.
    nonisolated let gate = AsyncSemaphore(permits: 1)
    let logger: Logger
    /// Operations found Running or NotStarted at start-up, now Failed with code `interrupted`.
    let interruptedAtStart: [String]
    /// Told of each operation that starts (Running) and ends (the metrics).
    private var observer: (@Sendable (OperationRecord) -> Void)?

    func observe(_ observer: @escaping @Sendable (OperationRecord) -> Void) { self.observer = observer }

    /// The operation to start after a snapshot succeeded (a source's `sync_to`), nil for none.
    let afterSnapshot: (@Sendable (OperationRecord) throws -> OperationSpec?)?

    init(archivePath: String, logger: Logger, afterSnapshot: (@Sendable (OperationRecord) throws -> OperationSpec?)? = nil) throws {
        store = try ArchiveStore(path: archivePath, access: .write)
        self.logger = logger
        self.afterSnapshot = afterSnapshot
        interruptedAtStart = try OperationLog(store).markInterrupted()
        for id in interruptedAtStart {
            logger.info("operation state change", metadata: ["operation": "\(id)", "status": "Failed", "code": "interrupted"])
        }
    }

    static func hash(kind: String, canonical: String) -> String {
        SHA256.hex(SHA256.hash(kind + "\n" + canonical))
    }

    /// Starts `spec` (or answers the existing operation for a repeated `Operation-Id`). Conflicts: one snapshot
    /// per source, one restore per target, one rollback per source at a time.
    func start(_ spec: OperationSpec, clientID: String?) throws(APIError) -> Started {
        if let clientID {
            let existing: OperationRecord?
            do { existing = try active[clientID] ?? log.get(clientID) } catch { throw APIError.from(error) }
            if let existing {
                guard existing.requestHash == spec.requestHash, existing.kind == spec.kind else {
                    throw .conflict("Operation-Id '\(clientID)' was used for another request (operation \(existing.kind) of "
                                    + "\(existing.createdAt)); use a new id for a new request", target: "Operation-Id")
                }
                return .existing(existing)
            }
        }
        if let running = active.values.first(where: { conflicts($0, spec) }) {
            let onTarget = Self.writesTarget(spec.kind)
            let what = onTarget ? "target '\(spec.target ?? "")'" : "source '\(spec.source ?? "")'"
            throw .conflict("operation \(running.id) (\(running.kind)) is running on \(what); wait for it or cancel it",
                            target: onTarget ? "target" : "source")
        }
        var record = OperationRecord(id: clientID ?? UUID().uuidString.lowercased(), kind: spec.kind, trigger: spec.trigger, source: spec.source,
                                     target: spec.target, snapshot: spec.snapshot, request: spec.request,
                                     requestHash: spec.requestHash, resumedFrom: spec.resumedFrom)
        record.restoreRun = spec.restoreRun
        do {
            try log.insert(record)
        } catch OperationLogError.duplicate(let id) {
            throw .conflict("Operation-Id '\(id)' is in use", target: "Operation-Id")
        } catch {
            throw APIError.from(error)
        }
        record.status = .running
        active[record.id] = record
        if let url = spec.targetURL { targetURLs[record.id] = url }
        write(record)
        observer?(record)
        logger.info("operation state change", metadata: ["operation": "\(record.id)", "kind": "\(record.kind)", "status": "Running"])

        let id = record.id
        let (events, continuation) = AsyncStream.makeStream(of: JobProgress.self, bufferingPolicy: .bufferingNewest(1))
        // The newest event, kept as it is sent: the final row takes it, whether or not the row writer got to it.
        let latest = Mutex<JobProgress?>(nil)
        let context = JobContext(id: id, progress: { p in
            latest.withLock { $0 = p }
            continuation.yield(p)
        }, gate: gate)
        // Progress rows are written in order, the newest value only when the job outruns the writes.
        Task { for await p in events { self.progressed(id, p) } }
        // Below the requests' priority: a snapshot's fetching and writing fill the cooperative threads, and reads
        // (`GET /v1/snapshots`, even `/healthz`) queued behind its work for tens of milliseconds.
        tasks[id] = Task(priority: .utility) {
            let outcome: Result<JobOutcome, any Error>
            do {
                outcome = .success(try await spec.job(context))
            } catch {
                outcome = .failure(error)
            }
            continuation.finish()
            self.finish(id, outcome, progress: latest.withLock { $0 })
        }
        return .started(record)
    }

    /// Restores and syncs write into a target: one at a time per target, whichever kind.
    private static func writesTarget(_ kind: String) -> Bool { kind == "restore" || kind == "sync" }

    private func conflicts(_ running: OperationRecord, _ spec: OperationSpec) -> Bool {
        if Self.writesTarget(running.kind), Self.writesTarget(spec.kind) {
            return running.target == spec.target || (spec.targetURL != nil && targetURLs[running.id] == spec.targetURL)
        }
        guard running.kind == spec.kind else { return false }
        switch spec.kind {
        case "snapshot", "rollback": return running.source == spec.source
        case "restore": return running.target == spec.target
        default: return false
        }
    }

    private func progressed(_ id: String, _ p: JobProgress) {
        guard var record = active[id] else { return }  // already finished: the final row stands
        record.progress = p
        record.warnings = p.warnings
        record.lastActionAt = Timestamp.now()
        active[id] = record
        write(record)
    }

    private func finish(_ id: String, _ outcome: Result<JobOutcome, any Error>, progress: JobProgress?) {
        guard var record = active.removeValue(forKey: id) else { return }
        tasks[id] = nil
        if let progress {
            record.progress = progress
            record.warnings = progress.warnings
        }
        record.lastActionAt = Timestamp.now()
        switch outcome {
        case .success(let o):
            record.result = o.result.map { String(decoding: $0, as: UTF8.self) }
            record.warnings = Self.merged(record.warnings, o.warnings)
            record.snapshot = o.snapshot ?? record.snapshot
            record.restoreRun = o.restoreRun ?? record.restoreRun
            if let failure = o.failure {
                record.status = .failed
                record.errorCode = failure.code
                record.errorMessage = failure.message
            } else {
                record.status = .succeeded
            }
            if record.progress != nil { record.progress!.phase = .done }
        case .failure(let error):
            if error is CancellationError || canceled.contains(id) || stopping {
                if canceled.contains(id) {
                    record.status = .canceled
                    record.errorCode = "canceled"
                    record.errorMessage = "canceled by request"
                } else {
                    // Shut down: the same as a process that died, and resumable the same way.
                    record.status = .failed
                    record.errorCode = "interrupted"
                    record.errorMessage = "the server stopped while the operation ran"
                }
            } else {
                let e = OperationOutcome.error(error)
                record.status = .failed
                record.errorCode = e.code
                record.errorMessage = e.message
                record.errorTarget = e.target
            }
        }
        canceled.remove(id)
        if record.kind == "restore", record.restoreRun == nil, let snapshot = record.snapshot, let url = targetURLs[id] {
            record.restoreRun = try? log.restoreRun(snapshot: snapshot, target: url, since: record.createdAt)
        }
        targetURLs[id] = nil
        write(record)
        observer?(record)
        var metadata: Logger.Metadata = ["operation": "\(id)", "kind": "\(record.kind)", "status": "\(record.status.rawValue)"]
        if let code = record.errorCode { metadata["code"] = "\(code)" }
        logger.info("operation state change", metadata: metadata)
        if record.kind == "snapshot", record.status == .succeeded, !stopping { startAfterSnapshot(record) }
    }

    /// A source's `sync_to`: the sync of the snapshot just made, skipped (one log line) when one into the target
    /// is running or it cannot start.
    private func startAfterSnapshot(_ record: OperationRecord) {
        do {
            guard let spec = try afterSnapshot?(record) else { return }
            if case .started(let sync) = try start(spec, clientID: nil) {
                logger.info("sync after snapshot started", metadata: ["operation": "\(sync.id)", "snapshot_operation": "\(record.id)",
                                                                      "target": "\(spec.target ?? "")"])
            }
        } catch {
            logger.info("sync after snapshot skipped", metadata: ["snapshot_operation": "\(record.id)",
                                                                  "reason": "\(APIError.from(error).message)"])
        }
    }

    private static func merged(_ a: [String], _ b: [String]) -> [String] {
        var seen = Set(a)
        return a + b.filter { seen.insert($0).inserted }
    }

    private func write(_ record: OperationRecord) {
        do {
            try log.update(record)
        } catch {
            logger.error("cannot record operation \(record.id): \(error)")
        }
    }

    func get(_ id: String) throws -> OperationRecord? {
        if let record = active[id] { return record }
        return try log.get(id)
    }

    func list(_ filter: OperationLog.Filter, limit: Int, offset: Int) throws -> [OperationRecord] {
        // Rows of running operations are at most one progress event behind; the in-memory value is newer.
        try log.list(filter, limit: limit, offset: offset).map { active[$0.id] ?? $0 }
    }

    /// Best effort: the job stops at its next request or model and ends Canceled. A finished operation is left as it is.
    func cancel(_ id: String) throws(APIError) -> OperationRecord {
        if let record = active[id] {
            canceled.insert(id)
            tasks[id]?.cancel()
            logger.info("operation cancel requested", metadata: ["operation": "\(id)"])
            return record
        }
        let stored: OperationRecord?
        do { stored = try log.get(id) } catch { throw APIError.from(error) }
        guard let stored else { throw .notFound("no operation '\(id)'", target: "id") }
        return stored
    }

    /// Waits for the running operation `id` to end (tests, shutdown).
    func wait(_ id: String) async {
        await tasks[id]?.value
    }

    var runningIDs: [String] { Array(active.keys) }

    /// Shutdown: every running job is cancelled and waited for; their rows say Failed `interrupted`.
    func stop() async {
        stopping = true
        let running = tasks
        for task in running.values { task.cancel() }
        for task in running.values { await task.value }
    }
}

/// How a job's end maps to an operation's error: stable codes a client can act on.
enum OperationOutcome {
    static func error(_ error: any Error) -> (code: String, message: String, target: String?) {
        let error = ArchiveStore.archiveError(for: error) ?? error
        switch error {
        case let e as APIError: return (e.code, e.message, e.target)
        case let e as ArchiveError:
            if case .locked = e { return ("locked", e.description, nil) }
            return ("archive_unusable", e.description, nil)
        case let e as ServiceError: return (code(for: e), e.description, nil)
        case let e as RestoreError:
            if case .targetNotEmpty = e { return ("target_not_empty", e.description, "existing") }
            return ("restore", e.description, nil)
        case let e as RollbackError: return ("rollback", e.description, "model")
        case let e as SyncError:
            if case .targetNotEmpty = e { return ("target_not_empty", e.description, "target") }
            if case .drift(let d) = e { return ("drift", e.description + " (\(d.models.count) models)", nil) }
            return ("sync", e.description, nil)
        case let e as SelectorError: return ("bad_request", e.description, "snapshot")
        case let e as ModelFilterError: return ("bad_request", e.description, nil)
        default: return ("failed", String(describing: error), nil)
        }
    }

    static func code(for e: ServiceError) -> String {
        switch e.kind {
        case .authentication: "credentials_refused"
        case .badRequest: "refused"
        case .notFound, .unknownCustomization: "not_found"
        case .rateLimited, .serverError, .transport, .ambiguousCreate: "service_unavailable"
        case .unexpectedStatus, .malformedResponse: "service_error"
        }
    }
}
