import Foundation
import TTSAPI
import TTSClient

/// Restores a snapshot's models into a target service instance (reference §10): new models, words in service
/// order in batches (or one PUT each), journaled step by step so a failed or killed run resumes without creating
/// any model twice, then an optional read-back verification. The snapshot is read model by model as models are
/// restored and verified (``SnapshotStream``): memory holds the models in flight, not the whole snapshot.
public struct Restorer: Sendable {
    let journal: RestoreJournal
    /// The archive's database path, read on a connection of the restore's own.
    let archive: String
    let client: any RestoreTarget
    /// Models restored at once (the client bounds requests in flight separately).
    public var concurrency: Int
    public var verify: Bool

    /// `journalStore` holds the journal when it is not the archive itself (a drill keeps the archive untouched).
    public init(store: ArchiveStore, journalStore: ArchiveStore? = nil, client: any RestoreTarget, concurrency: Int = 4,
                verify: Bool = true) {
        journal = RestoreJournal(journalStore ?? store)
        archive = store.db.path
        self.client = client
        self.concurrency = max(1, concurrency)
        self.verify = verify
    }

    var target: String { client.serviceURL }

    /// The plan for a new run, from the snapshot and the target's current models. Sends nothing that writes.
    public func plan(snapshot: Int64, options: RestoreOptions) async throws -> RestorePlan {
        try await plan(snapshot: snapshot, source: try SnapshotStream(path: archive, snapshot: snapshot), options: options)
    }

    private func plan(snapshot: Int64, source: SnapshotStream, options: RestoreOptions) async throws -> RestorePlan {
        let current = try await client.listModels()
        return try RestorePlan.make(snapshotID: snapshot, target: target, snapshotModels: source.models, targetModels: current,
                                    options: options, wordCount: { source.wordCounts[$0.customizationID] ?? 0 })
    }

    /// Runs (or resumes) a restore. `resume` names a run; without it an unfinished run of the same snapshot into
    /// the same target is resumed, else a new one starts. A resumed run keeps its recorded options.
    ///
    /// `progress` receives the phases plan, replay (models and words done of the run's total, a resumed run
    /// starting from what its journal holds) and verify (models and words read back), then done; its warnings
    /// are the models whose names the service may refuse. `job` names the job in those events.
    ///
    /// Task cancellation stops the run at the next request, batch or model: a cancelled plan writes nothing, a
    /// cancelled replay or verification marks the run resumable (`cancelled`, resumed as a failed run is), and the same call
    /// resumes it without creating any model twice. It throws `CancellationError`.
    public func run(snapshot: Int64, options: RestoreOptions, resume: Int64? = nil, job: String = "restore",
                    progress: JobProgressSink? = nil) async throws -> RestoreReport {
        let reporter = JobReporter(job: job, sink: progress)
        reporter.begin(.plan)
        var runID: Int64 = 0
        var snapshotID = snapshot
        var resumed = false
        if let resume {
            guard let run = try journal.run(resume) else { throw RestoreError.noSuchRun(resume) }
            guard run.status.isResumable else { throw RestoreError.runFinished(resume, status: run.status) }
            guard run.target == target else { throw RestoreError.runMismatch(resume, reason: "it restored into \(run.target), not \(target)") }
            runID = resume
            snapshotID = run.snapshot
            resumed = true
        } else if let open = try journal.unfinished(snapshot: snapshot, target: target) {
            runID = open
            resumed = true
        }
        // Metadata now (it serves the plan too); each model's words when that model is restored and verified.
        let source = try SnapshotStream(path: archive, snapshot: snapshotID)
        if !resumed {
            let plan = try await plan(snapshot: snapshot, source: source, options: options)
            try Task.checkCancellation()  // a cancelled plan writes nothing
            runID = try journal.start(plan: plan)
        }
        let sources = Dictionary(source.models.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })
        let words = source
        var checks: [String: Check] = [:]
        guard let run = try journal.run(runID) else { throw RestoreError.noSuchRun(runID) }

        let rows = try journal.rows(run: runID)
        let work = rows.filter { !$0.status.isFinished }
        for row in rows where row.action == .create || row.action == .replace {
            if let warning = RestorePlan.nameWarning(sources[row.sourceID]?.name) { reporter.warn("model \(row.sourceID): \(warning)") }
        }
        let size = run.options.mode == .single ? 1 : run.options.batchSize
        let counted = rows.filter { $0.status != .skipped }
        reporter.begin(.replay, modelsDone: rows.count - work.count, modelsTotal: rows.count,
                       wordsDone: counted.reduce(0) { $0 + ($1.status == .done ? $1.wordCount : min($1.wordCount, $1.batchesDone * size)) },
                       wordsTotal: counted.reduce(0) { $0 + $1.wordCount })
        do {
            try await replay(work, sources: sources, words: words, run: run, reporter: reporter, countsProgress: true, checks: &checks)
            // A model that still failed after the client's retries (a burst of 503s, dropped connections) gets one
            // more pass in this run before the run is reported failed; its journal row says where it stopped.
            let failed = try journal.rows(run: runID).filter { $0.status == .failed }
            if !failed.isEmpty {
                try Task.checkCancellation()
                try await replay(failed, sources: sources, words: words, run: run, reporter: reporter, countsProgress: false,
                                 checks: &checks)
            }
        } catch {
            try? journal.finish(run: runID, status: Task.isCancelled ? .cancelled : .failed, report: nil)
            throw Task.isCancelled ? CancellationError() : error
        }

        var report = try makeReport(run: run, resumed: resumed, sources: sources)
        if verify, report.status != .failed {
            do {
                report.verification = try await verification(report, sources: sources, words: words, checks: checks, reporter: reporter)
            } catch where Task.isCancelled {
                // Every model is restored: the same command resumes at the verification.
                try? journal.finish(run: runID, status: .cancelled, report: nil)
                throw CancellationError()
            }
        }
        try journal.finish(run: runID, status: report.status, report: report)
        reporter.finish()
        return report
    }

    /// Restores the given journal rows, `concurrency` models at a time. With `verify`, each model restored is read
    /// back at once, while its words are at hand, into `checks`: the snapshot is read once, and only the models in
    /// flight are held. Its target model changes no more in this run (no other model pairs with it).
    private func replay(_ rows: [RestoreJournal.Row], sources: [String: CustomModel], words: SnapshotStream,
                        run: RestoreJournal.Run, reporter: JobReporter, countsProgress: Bool,
                        checks: inout [String: Check]) async throws {
        try await forEachConcurrently(rows, limit: concurrency, { row -> Check? in
            try Task.checkCancellation()
            let restored = try await restoreModel(row, source: sources[row.sourceID], words: words, run: run, reporter: reporter)
            if countsProgress { reporter.modelDone() }
            guard verify, let restored, let source = sources[row.sourceID] else { return nil }
            // A read-back that fails here is done again in the verification, which then reports its error.
            do {
                return try await check(source, expected: restored.words, targetID: restored.targetID)
            } catch {
                try Task.checkCancellation()
                return nil
            }
        }, consume: { check in
            if let check { checks[check.sourceID] = check }
        })
    }

    // MARK: One model

    /// Restores one model; returns its target id and the words sent when it is done.
    private func restoreModel(_ row: RestoreJournal.Row, source: CustomModel?, words: SnapshotStream, run: RestoreJournal.Run,
                              reporter: JobReporter) async throws -> (targetID: String, words: PackedWords)? {
        guard let source else {
            try journal.setStatus(run: run.id, source: row.sourceID, .failed, message: "the model is not in snapshot \(run.snapshot) any more")
            return nil
        }
        do {
            var targetID = row.targetID
            switch row.action {
            case .update:
                if row.batchesDone == 0 {  // setting the description again is harmless
                    try await client.updateModel(id: row.targetID!, UpdateModelRequest(description: source.description))
                    try journal.setStatus(run: run.id, source: row.sourceID, .created)
                }
            case .create, .replace:
                if targetID == nil {
                    if row.action == .replace {
                        for old in row.replaces { try await deleteIfPresent(old) }
                    }
                    // `creating` (or failed before an id was stored): a POST may have reached the service.
                    let maybeSent = row.status == .creating || row.status == .failed
                    targetID = try await createOrAdopt(source, run: run, reconcileFirst: maybeSent)
                }
            case .skip:
                return nil
            }
            guard let targetID else { return nil }
            // The reader returns words in byte order, which is the service's order.
            let words = try await words.words(of: row.sourceID)
            try await sendWords(words, to: targetID, from: row, run: run, reporter: reporter)
            try journal.setStatus(run: run.id, source: row.sourceID, .done)
            return (targetID, words)
        } catch let error as ServiceError where error.isAuthenticationFailure {
            throw error
        } catch let error as ServiceError {
            // A request cut short by the cancellation is no failure of the model: its row stays where it was.
            try Task.checkCancellation()
            // One model failing (after the client's retries) does not stop the others; resume retries it.
            try journal.setStatus(run: run.id, source: row.sourceID, .failed, message: error.description)
            return nil
        }
    }

    private func deleteIfPresent(_ id: String) async throws {
        do {
            try await client.deleteModel(id: id)
        } catch let error as ServiceError where error.kind == .unknownCustomization {
            // Already gone (deleted by an earlier attempt of this run).
        }
    }

    /// Creates the model (or adopts the one an unanswered create made): see `ModelCreation`.
    private func createOrAdopt(_ source: CustomModel, run: RestoreJournal.Run, reconcileFirst: Bool) async throws -> String {
        let journal = journal, target = target, id = source.customizationID
        return try await ModelCreation(
            client: client,
            markCreating: { try journal.setStatus(run: run.id, source: id, .creating) },
            claim: { targetID, adopting in try journal.setTarget(run: run.id, source: id, targetID: targetID, target: target, adopting: adopting) }
        ).createOrAdopt(source, reconcileFirst: reconcileFirst)
    }

    /// Words from the first batch not yet recorded as accepted. Re-adding overwrites (reference §5.6), so a
    /// resume that repeats the last batch is harmless.
    private func sendWords(_ words: PackedWords, to id: String, from row: RestoreJournal.Row, run: RestoreJournal.Run,
                           reporter: JobReporter) async throws {
        let size = run.options.mode == .single ? 1 : run.options.batchSize
        var batch = row.batchesDone
        while batch * size < words.count {
            // Between batches: the journal holds every batch accepted so far.
            try Task.checkCancellation()
            let slice = (batch * size)..<min(words.count, (batch + 1) * size)
            let rejected = try await send(words, slice, to: id, single: run.options.mode == .single)
            for r in rejected {
                try journal.reject(run: run.id, source: row.sourceID, word: r.word, message: r.message)
            }
            batch += 1
            try journal.setBatchesDone(run: run.id, source: row.sourceID, batch)
            reporter.wordsDone(slice.count)
        }
    }

    /// Sends entries; a 400 splits the batch in halves until the refused entries are isolated.
    private func send(_ words: PackedWords, _ range: Range<Int>, to id: String, single: Bool) async throws -> [RestoreReport.Rejection] {
        do {
            if single, range.count == 1 {
                let e = words.entry(range.lowerBound)
                try await client.addWord(id: id, word: e.word, e.asTranslation)
            } else {
                try await client.addWords(id: id, words, range)
            }
            return []
        } catch let error as ServiceError where error.kind == .badRequest {
            if range.count == 1 {
                return [RestoreReport.Rejection(word: words.word(range.lowerBound), message: error.message ?? error.description)]
            }
            let mid = range.lowerBound + range.count / 2
            let left = try await send(words, range.lowerBound..<mid, to: id, single: single)
            return left + (try await send(words, mid..<range.upperBound, to: id, single: single))
        }
    }

    // MARK: Report and verification

    private func makeReport(run: RestoreJournal.Run, resumed: Bool, sources: [String: CustomModel]) throws -> RestoreReport {
        let rows = try journal.rows(run: run.id)
        let rejections = try journal.rejections(run: run.id)
        let models = rows.map { row in
            RestoreReport.Model(sourceID: row.sourceID, targetID: row.targetID, name: sources[row.sourceID]?.name,
                                language: sources[row.sourceID]?.language, words: row.wordCount, action: row.action,
                                status: row.status, message: row.message, rejections: rejections[row.sourceID] ?? [])
        }
        let status: RestoreRunStatus = models.contains { !$0.status.isFinished } ? .failed
            : (models.contains { !$0.rejections.isEmpty } ? .partial : .complete)
        let prompts = rows.filter { $0.status != .skipped }.reduce(0) { $0 + (sources[$1.sourceID]?.prompts?.count ?? 0) }
        return RestoreReport(runID: run.id, snapshotID: run.snapshot, target: run.target, status: status, resumed: resumed,
                             models: models, promptsNotRestorable: prompts, verification: nil)
    }

    /// Reads back only the restored models, `concurrency` at a time, and compares each with its source model
    /// (the journal pairs them, so this equals a diff matched by name and language). Prompts are left out on both
    /// sides: they are never restored. Models read back during the replay (`checks`) are not read again.
    private func verification(_ report: RestoreReport, sources: [String: CustomModel], words sourceWords: SnapshotStream,
                              checks: [String: Check], reporter: JobReporter) async throws -> RestoreReport.Verification {
        let pairs = report.models.compactMap { m -> (CustomModel, String)? in
            guard m.status == .done, let id = m.targetID, let source = sources[m.sourceID] else { return nil }
            return (source, id)
        }
        var diffs: [ModelDiff] = []
        var words = 0
        func add(_ check: Check) {
            if let diff = check.diff { diffs.append(diff) }
            words += check.words
        }
        let expected = Dictionary(report.models.map { ($0.sourceID, $0.words) }, uniquingKeysWith: { a, _ in a })
        let unchecked = pairs.filter { checks[$0.0.customizationID] == nil }
        let checked = pairs.filter { checks[$0.0.customizationID] != nil }
        reporter.begin(.verify, modelsDone: checked.count, modelsTotal: pairs.count,
                       wordsDone: checked.reduce(0) { $0 + (expected[$1.0.customizationID] ?? 0) },
                       wordsTotal: pairs.reduce(0) { $0 + (expected[$1.0.customizationID] ?? 0) })
        try Task.checkCancellation()
        for (source, _) in pairs { if let check = checks[source.customizationID] { add(check) } }
        try await forEachConcurrently(unchecked, limit: concurrency, { pair -> Check in
            try Task.checkCancellation()
            let (source, id) = pair
            return try await check(source, expected: try await sourceWords.words(of: source.customizationID), targetID: id)
        }, consume: { check in
            add(check)
            reporter.add(models: 1, words: expected[check.sourceID] ?? 0)
        })
        let diff = ArchiveDiff(from: "snapshot \(report.snapshotID)", to: "restored \(report.target)", matchBy: "name", models: diffs)
        return RestoreReport.Verification(models: pairs.count, words: words, differences: diff)
    }

    /// One restored model read back and compared with the snapshot's.
    struct Check: Sendable {
        var sourceID: String
        var diff: ModelDiff?
        /// Entries read back.
        var words: Int
    }

    private func check(_ source: CustomModel, expected: PackedWords, targetID: String) async throws -> Check {
        var source = source
        source.prompts = []
        let (model, found) = try await client.getModelPackingWords(id: targetID)
        var restored = model
        restored.prompts = []
        // Equal bytes in equal order cannot differ; anything else is compared entry by entry as in `diff`.
        if found != expected {
            source.words = expected.entries
            restored.words = found.entries
        }
        return Check(sourceID: source.customizationID, diff: ContentDiff.compareModel(source, restored), words: found.count)
    }
}
