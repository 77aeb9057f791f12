import ArchiveCore
import Foundation
import InProcessEmulator
import Logging
import TTSClient

/// The server's jobs: the same core jobs the CLI's commands call (``Snapshotter``, ``Restorer``,
/// ``EmulatorDrill``, ``RollbackPlan``), each opening the archive itself; writers take the archive's run lock for
/// their own duration, as the CLI does (held by another process: Failed, code `locked`).
struct OperationJobs: Sendable {
    let archivePath: String
    let clients: ServiceClients
    let logger: Logger
    /// `http://host:port` for result URLs.
    let baseURL: String

    /// Runs `body` holding this server's writer gate and then the archive's run lock.
    func writing<T: Sendable>(_ context: JobContext, purpose: String, _ body: () async throws -> T) async throws -> T {
        context.progress(JobProgress(job: purpose, phase: .init(rawValue: "waiting")))
        try await context.gate.acquire()
        do {
            let result = try await {
                let lock = try ArchiveLock(archivePath: archivePath, purpose: "\(purpose) (server operation \(context.id))")
                defer { withExtendedLifetime(lock) {} }
                return try await body()
            }()
            await context.gate.release()
            return result
        } catch {
            await context.gate.release()
            throw error
        }
    }

    func withClient<T: Sendable>(_ credentials: ServiceCredentials, _ body: (TextToSpeechClient) async throws -> T) async throws -> T {
        try await body(try clients.client(for: credentials))
    }

    /// A result as the CLI's `--json` prints it (snake_case keys), so a script reads the same document either way.
    static func json<T: Encodable>(_ value: T) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try? encoder.encode(value)
    }

    // MARK: snapshot

    func snapshot(source: ServiceDirectory.Source, credentials: ServiceCredentials, options: SnapshotOptions)
        -> @Sendable (JobContext) async throws -> JobOutcome {
        { context in
            try await writing(context, purpose: "snapshot") {
                let store = try ArchiveStore(path: archivePath, access: .write)
                let summary = try await withClient(credentials) { client in
                    try await Snapshotter.run(store: store, source: ServiceModelSource(client: client), options: options,
                                              progress: context.progress)
                }
                let result = SnapshotResult(snapshot: summary, url: "\(baseURL)/v1/snapshots/\(summary.snapshotID)")
                return JobOutcome(result: Self.json(result), snapshot: summary.snapshotID)
            }
        }
    }

    /// `snapshot --json`'s summary with the snapshot's URL.
    struct SnapshotResult: Encodable {
        var snapshot: SnapshotSummary
        var url: String
        enum CodingKeys: String, CodingKey { case url }
        func encode(to encoder: any Encoder) throws {
            try snapshot.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
        }
    }

    // MARK: restore

    struct RestoreJob: Sendable {
        var snapshot: Int64
        var options: RestoreOptions
        var resume: Int64?
        var verify: Bool
        var dryRun: Bool
    }

    func restore(target: ServiceCredentials, _ r: RestoreJob) -> @Sendable (JobContext) async throws -> JobOutcome {
        { context in
            try await writing(context, purpose: "restore") {
                let store = try ArchiveStore(path: archivePath, access: .write)
                if r.resume == nil { try SnapshotReader(store).check(r.options.filter, in: r.snapshot) }
                return try await withClient(target) { client in
                    let restorer = Restorer(store: store, client: client, concurrency: 4, verify: r.verify)
                    if r.dryRun {
                        let plan = try await restorer.plan(snapshot: r.snapshot, options: r.options)
                        let warnings = plan.items.compactMap { item in item.warning.map { "model \(item.sourceID): \($0)" } }
                        return JobOutcome(result: Self.json(plan), warnings: warnings, snapshot: r.snapshot)
                    }
                    let report = try await restorer.run(snapshot: r.snapshot, options: r.options, resume: r.resume,
                                                        progress: context.progress)
                    return Self.outcome(of: report)
                }
            }
        }
    }

    /// A restore that completed is Succeeded, with the entries the target refused as warnings (listed in the
    /// report); one whose models failed, or whose verification found differences, is Failed.
    static func outcome(of report: RestoreReport) -> JobOutcome {
        var warnings: [String] = []
        for m in report.models {
            for r in m.rejections { warnings.append("model \(m.sourceID): the target refused \"\(r.word)\": \(r.message)") }
            if m.status == .skipped { warnings.append("model \(m.sourceID): skipped (exists in the target)") }
        }
        var outcome = JobOutcome(result: json(report), warnings: warnings, snapshot: report.snapshotID, restoreRun: report.runID)
        if report.status == .failed {
            let failed = report.models.filter { $0.status == .failed }
            outcome.failure = ("refused", "\(failed.count) models were not restored (\(failed.compactMap(\.message).first ?? "see the report")); "
                                          + "resume the operation to retry them")
        } else if let v = report.verification, !v.differences.summary.isEmpty, !onlyRefusals(v, of: report) {
            let s = v.differences.summary
            outcome.failure = ("differences", "the restored models differ from the snapshot: models +\(s.modelsAdded) -\(s.modelsRemoved) "
                                              + "~\(s.modelsChanged), words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)")
        }
        return outcome
    }

    /// Whether the verification's differences are exactly the entries the target refused (each refused entry is
    /// missing from the restored model: as many missing as refused, and nothing else, means those).
    static func onlyRefusals(_ v: RestoreReport.Verification, of report: RestoreReport) -> Bool {
        let refused = Dictionary(report.models.map { ($0.sourceID, $0.rejections.count) }, uniquingKeysWith: +)
        return v.differences.models.allSatisfy { d in
            d.change == .changed && d.metadata.isEmpty && d.prompts.isEmpty && d.wordCounts.added == 0 && d.wordCounts.changed == 0
                && d.wordCounts.removed > 0 && d.wordCounts.removed == (d.fromCustomizationID.flatMap { refused[$0] } ?? 0)
        }
    }

    // MARK: drill

    func drill(snapshot: Int64, filter: ModelFilter) -> @Sendable (JobContext) async throws -> JobOutcome {
        { context in
            // A drill only reads the archive (its journal is a scratch file): no run lock, as `tts-archive drill`.
            let store = try ArchiveStore(path: archivePath, access: .read)
            let result = try await EmulatorDrill.run(store: store, snapshot: snapshot, filter: filter, concurrency: 4,
                                                     progress: context.progress)
            var outcome = JobOutcome(result: Self.json(result), snapshot: snapshot)
            outcome.warnings = result.report.models.flatMap { m in
                m.rejections.map { "model \(m.sourceID): the emulator refused \"\($0.word)\": \($0.message)" }
            }
            switch result.status {
            case .passed: break
            case .differences:
                outcome.failure = ("differences", "snapshot \(snapshot) restored, but reading it back found differences")
            default:
                outcome.failure = ("refused", "snapshot \(snapshot) did not restore cleanly: \(result.rejectedEntries) entries refused, "
                                              + "\(result.report.models.filter { $0.status == .failed }.count) models failed")
            }
            return outcome
        }
    }

    // MARK: rollback

    func rollback(credentials: ServiceCredentials, model: String, snapshot: Int64, batchSize: Int, dryRun: Bool)
        -> @Sendable (JobContext) async throws -> JobOutcome {
        { context in
            // As `tts-archive rollback`: the archive is only read; the live model is what changes.
            let store = try ArchiveStore(path: archivePath, access: .read)
            return try await withClient(credentials) { client in
                let plan = try await RollbackPlan.make(model: model, snapshot: snapshot, store: store, client: client, batchSize: batchSize)
                if dryRun || plan.isEmpty {
                    return JobOutcome(result: Self.json(RollbackResult(plan: plan, applied: false, remaining: nil)), snapshot: snapshot)
                }
                try await plan.apply(with: client, progress: context.progress)
                let after = try await RollbackPlan.make(model: plan.customizationID, snapshot: snapshot, store: store, client: client)
                let remaining = after.addWords.count + after.deleteWords.count + after.metadata.count
                var outcome = JobOutcome(result: Self.json(RollbackResult(plan: plan, applied: true, remaining: remaining)), snapshot: snapshot)
                if remaining > 0 { outcome.failure = ("differences", "rolled back, but \(remaining) differences remain") }
                return outcome
            }
        }
    }

    struct RollbackResult: Encodable {
        var plan: RollbackPlan
        var applied: Bool
        /// Differences left after reading the model back (nil when nothing was sent).
        var remaining: Int?
    }
}
