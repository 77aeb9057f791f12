import ArchiveCore
import Foundation
import Logging
import TTSClient

/// Builds sync operations: for `POST /v1/syncs`, for `:resume` of a sync, and for a source's `sync_to` after each
/// of its snapshots (``OperationCenter`` asks, trigger `after_snapshot`). The job is ``OperationJobs/sync(target:_:)``.
struct SyncStarter: Sendable {
    let directory: ServiceDirectory
    let jobs: OperationJobs

    /// The spec of a sync of the (resolved) `snapshot` as `request` asks.
    func spec(_ request: Components.Schemas.SyncRequest, snapshot: Int64, resumedFrom: String? = nil,
              trigger: OperationRecord.Trigger = .api) throws -> OperationSpec {
        let (target, credentials) = try directory.target(request.target)
        if let batch = request.batchSize, batch < 1 { throw APIError.badRequest("batch_size must be at least 1", target: "batch_size") }
        if request.dryRun == true, resumedFrom != nil { throw APIError.badRequest("a resumed sync follows its journal: it has no dry run") }
        let options = SyncOptions(batchSize: request.batchSize ?? RestoreOptions.defaultBatchSize, keepRemoved: request.keepRemoved ?? false,
                                  force: request.force ?? false, checkDrift: request.checkDrift ?? false)
        let verify = SyncVerify(rawValue: request.verify?.rawValue ?? "touched") ?? .touched
        let canonical = Handlers.canonical(request)
        let job = OperationJobs.SyncJob(snapshot: snapshot, options: options, verify: verify, dryRun: request.dryRun ?? false)
        var spec = OperationSpec(kind: "sync", source: request.source, target: target, snapshot: snapshot, request: canonical,
                                 requestHash: resumedFrom.map { OperationCenter.hash(kind: "resume", canonical: $0) }
                                     ?? OperationCenter.hash(kind: "sync", canonical: canonical),
                                 resumedFrom: resumedFrom, targetURL: credentials.redactedServiceURL,
                                 job: jobs.sync(target: credentials, job))
        spec.trigger = trigger
        return spec
    }

    /// The sync a source's `sync_to` asks after the snapshot `record` made (nil when the source has none).
    func afterSnapshot(_ record: OperationRecord) throws -> OperationSpec? {
        guard let source = record.source, let snapshot = record.snapshot,
              let target = directory.config.sources.first(where: { $0.name == source })?.syncTo else { return nil }
        // A snapshot of some models only (its own lineage) would delete the others' twins: a standby follows whole snapshots.
        if let asked = try? JSONDecoder().decode(Components.Schemas.SnapshotRequest.self, from: Data(record.request.utf8)),
           !(asked.models ?? []).isEmpty || !(asked.languages ?? []).isEmpty {
            throw APIError.badRequest("snapshot \(snapshot) holds only the models its filter chose; a standby is synced from whole snapshots")
        }
        let request = Components.Schemas.SyncRequest(snapshot: String(snapshot), source: source, target: target)
        return try spec(request, snapshot: snapshot, trigger: .afterSnapshot)
    }
}

extension Handlers {
    var syncStarter: SyncStarter { SyncStarter(directory: directory, jobs: jobs) }

    func startSync(_ input: Operations.StartSync.Input) async throws -> Operations.StartSync.Output {
        await answering(Operations.StartSync.Output.default) {
            guard case .json(let request) = input.body else { throw APIError.badRequest("the body is a JSON sync request") }
            _ = try directory.target(request.target)  // an unknown target is named before the snapshot
            let id = try reading { store in
                try snapshotID(request.snapshot ?? "latest", source: request.source, field: "snapshot", reader: SnapshotReader(store))
            }
            switch try await start(try syncStarter.spec(request, snapshot: id), clientID: input.headers.operationId) {
            case .accepted(let r): return .accepted(r)
            case .existing(let r): return .ok(r)
            }
        }
    }

    /// `:resume` of a sync: the same request again, which resumes the target's unfinished run from its journal.
    func resumeSync(_ o: OperationRecord, clientID: String?) async throws -> StartAnswer {
        guard o.status == .failed || o.status == .canceled else {
            throw APIError.conflict("operation \(o.id) is \(o.status.rawValue): nothing to resume", target: "id")
        }
        let request = try JSONDecoder().decode(Components.Schemas.SyncRequest.self, from: Data(o.request.utf8))
        guard let snapshot = o.snapshot else { throw APIError.badRequest("operation \(o.id) names no snapshot", target: "id") }
        return try await start(try syncStarter.spec(request, snapshot: snapshot, resumedFrom: o.id), clientID: clientID)
    }

    func listSyncs(_ input: Operations.ListSyncs.Input) async throws -> Operations.ListSyncs.Output {
        await answering(Operations.ListSyncs.Output.default) {
            let targets = try reading { try SyncTargetSummary.all(in: $0) }
            let names = Dictionary(directory.config.targets.compactMap { t in
                (try? directory.target(t.name)).map { ($0.credentials.redactedServiceURL, t.name) }
            }, uniquingKeysWith: { a, _ in a })
            let value = targets.map { t in
                Components.Schemas.SyncTarget(target: t.target, name: names[t.target], snapshot: t.snapshot, syncedAt: t.syncedAt,
                                              models: t.models, kept: t.kept, behind: t.behind, lastRun: t.lastRun,
                                              lastRunStatus: t.lastRunStatus.flatMap { .init(rawValue: $0.rawValue) })
            }
            return .ok(.init(body: .json(.init(value: value))))
        }
    }
}
