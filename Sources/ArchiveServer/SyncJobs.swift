import ArchiveCore
import Foundation
import TTSClient

/// The sync operation's job: ``ArchiveCore/Syncer``, the core job `tts-archive sync` runs, under the server's
/// writer gate and the archive's run lock (one writer per target: a sync and a restore never run at once).
extension OperationJobs {
    struct SyncJob: Sendable {
        var snapshot: Int64
        var options: SyncOptions
        var verify: SyncVerify
        var dryRun: Bool
    }

    func sync(target: ServiceCredentials, _ s: SyncJob) -> @Sendable (JobContext) async throws -> JobOutcome {
        { context in
            try await writing(context, purpose: "sync") {
                let store = try ArchiveStore(path: archivePath, access: .write)
                return try await withClient(target) { client in
                    let syncer = Syncer(store: store, client: client, concurrency: 4, verify: s.verify)
                    if s.dryRun {
                        let plan = try await syncer.plan(snapshot: s.snapshot, options: s.options)
                        var outcome = JobOutcome(result: Self.json(plan), snapshot: s.snapshot)
                        if !plan.drift.models.isEmpty, !s.options.force { outcome.failure = Self.driftFailure(plan.drift) }
                        return outcome
                    }
                    do {
                        let report = try await syncer.run(snapshot: s.snapshot, options: s.options, progress: context.progress)
                        return Self.outcome(of: report)
                    } catch SyncError.drift(let drift) {
                        // Nothing was sent: the drift, as `diff --json` shows it, is the result.
                        var outcome = JobOutcome(result: Self.driftResult(drift), snapshot: s.snapshot)
                        outcome.failure = Self.driftFailure(drift)
                        return outcome
                    }
                }
            }
        }
    }

    /// `{"drift": <the diff --json document>}`.
    static func driftResult(_ drift: ArchiveDiff) -> Data {
        Data("{\"drift\":".utf8) + Data(drift.jsonBytes()) + Data("}".utf8)
    }

    /// Failed `drift`: the message names the drifted models (the result lists them with their words).
    static func driftFailure(_ drift: ArchiveDiff) -> (code: String, message: String) {
        let s = drift.summary
        let names = drift.models.prefix(10).map { m in
            let id = m.toCustomizationID ?? m.fromCustomizationID ?? "?"
            let words = m.wordCounts.added + m.wordCounts.removed + m.wordCounts.changed
            return "\(m.name.map { "'\($0)'" } ?? id) (\(id), \(m.change.rawValue)"
                + (m.metadata.isEmpty ? "" : ", " + m.metadata.map(\.field).joined(separator: ", "))
                + (words > 0 ? ", \(words) words" : "") + ")"
        }
        return ("drift", "the target changed directly since its last sync (models +\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), "
                         + "words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)): "
                         + names.joined(separator: "; ") + (drift.models.count > 10 ? "; and \(drift.models.count - 10) more" : "")
                         + "; nothing was sent: sync with force to overwrite it")
    }

    /// As a restore's: Succeeded with the entries the target refused as warnings; Failed `refused` when models
    /// could not be synced (resumable), Failed `differences` when the verification found more than the refusals.
    static func outcome(of report: SyncReport) -> JobOutcome {
        if let restore = report.restore {
            // A first sync is a restore: its outcome, with the sync report (and so the pairing's snapshot) as result.
            var outcome = outcome(of: restore)
            outcome.result = json(report)
            return outcome
        }
        var warnings: [String] = []
        for m in report.models {
            for r in m.rejections { warnings.append("model \(m.sourceID): the target refused \"\(r.word)\": \(r.message)") }
        }
        var outcome = JobOutcome(result: json(report), warnings: warnings, snapshot: report.toSnapshot)
        if report.status == .failed {
            let failed = report.models.filter { $0.status != .done }
            outcome.failure = ("refused", "\(failed.count) models were not synced (\(failed.compactMap(\.message).first ?? "see the report")); "
                                          + "resume the operation to retry them")
        } else if let v = report.verification, !v.differences.summary.isEmpty, !onlyRefusals(v, of: report) {
            let s = v.differences.summary
            outcome.failure = ("differences", "the standby differs from snapshot \(report.toSnapshot) after the sync: models +\(s.modelsAdded) "
                                              + "-\(s.modelsRemoved) ~\(s.modelsChanged), words +\(s.wordsAdded) -\(s.wordsRemoved) "
                                              + "~\(s.wordsChanged)")
        }
        return outcome
    }

    /// Whether the verification's differences can all be the entries the target refused: only word differences,
    /// in models with refusals, no more of them than refusals.
    static func onlyRefusals(_ v: RestoreReport.Verification, of report: SyncReport) -> Bool {
        let refused = Dictionary(report.models.map { ($0.sourceID, $0.rejections.count) }, uniquingKeysWith: +)
        return v.differences.models.allSatisfy { d in
            let words = d.wordCounts.added + d.wordCounts.removed + d.wordCounts.changed
            let n = (d.fromCustomizationID ?? d.toCustomizationID).flatMap { refused[$0] } ?? 0
            return d.change == .changed && d.metadata.isEmpty && d.prompts.isEmpty && words > 0 && words <= n
        }
    }
}
