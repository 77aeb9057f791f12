import Foundation
import TTSAPI
import TTSClient

/// Restores a snapshot's models into a target service instance (reference §10): new models, words in service
/// order in batches (or one PUT each), journaled step by step so a failed or killed run resumes without creating
/// any model twice, then an optional read-back verification.
public struct Restorer: Sendable {
    let journal: RestoreJournal
    let reader: SnapshotReaderBox
    let client: TextToSpeechClient
    /// Models restored at once (the client bounds requests in flight separately).
    public var concurrency: Int
    public var verify: Bool

    /// `journalStore` holds the journal when it is not the archive itself (a drill keeps the archive untouched).
    public init(store: ArchiveStore, journalStore: ArchiveStore? = nil, client: TextToSpeechClient, concurrency: Int = 4,
                verify: Bool = true) {
        journal = RestoreJournal(journalStore ?? store)
        reader = SnapshotReaderBox(store)
        self.client = client
        self.concurrency = max(1, concurrency)
        self.verify = verify
    }

    var target: String { client.serviceURL }

    /// The plan for a new run, from the snapshot and the target's current models. Sends nothing that writes.
    public func plan(snapshot: Int64, options: RestoreOptions) async throws -> RestorePlan {
        try await plan(snapshot: snapshot, source: try reader.models(snapshot), options: options)
    }

    private func plan(snapshot: Int64, source: SnapshotModels, options: RestoreOptions) async throws -> RestorePlan {
        let current = try await client.listModels()
        return try RestorePlan.make(snapshotID: snapshot, target: target, snapshotModels: source.models, targetModels: current,
                                    options: options, wordCount: { source.words[$0.customizationID]?.count ?? 0 })
    }

    /// Runs (or resumes) a restore. `resume` names a run; without it an unfinished run of the same snapshot into
    /// the same target is resumed, else a new one starts. A resumed run keeps its recorded options.
    public func run(snapshot: Int64, options: RestoreOptions, resume: Int64? = nil,
                    progress: (@Sendable (RestoreProgress) -> Void)? = nil) async throws -> RestoreReport {
        var runID: Int64 = 0
        var snapshotID = snapshot
        var resumed = false
        if let resume {
            guard let run = try journal.run(resume) else { throw RestoreError.noSuchRun(resume) }
            guard run.status == "running" || run.status == "failed" else { throw RestoreError.runFinished(resume, status: run.status) }
            guard run.target == target else { throw RestoreError.runMismatch(resume, reason: "it restored into \(run.target), not \(target)") }
            runID = resume
            snapshotID = run.snapshot
            resumed = true
        } else if let open = try journal.unfinished(snapshot: snapshot, target: target) {
            runID = open
            resumed = true
        }
        // The snapshot is read once (its words are most of a restore's reading) and serves the plan too.
        let source = try reader.models(snapshotID)
        if !resumed {
            runID = try journal.start(plan: try await plan(snapshot: snapshot, source: source, options: options))
        }
        let sources = Dictionary(source.models.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })
        let words = source.words
        guard let run = try journal.run(runID) else { throw RestoreError.noSuchRun(runID) }

        let rows = try journal.rows(run: runID)
        let work = rows.filter { $0.status != "done" && $0.status != "skipped" }
        let tracker = ProgressTracker(total: rows.count, done: rows.count - work.count, progress: progress)
        do {
            try await replay(work, sources: sources, words: words, run: run, tracker: tracker, countsProgress: true)
            // A model that still failed after the client's retries (a burst of 503s, dropped connections) gets one
            // more pass in this run before the run is reported failed; its journal row says where it stopped.
            let failed = try journal.rows(run: runID).filter { $0.status == "failed" }
            if !failed.isEmpty {
                try await replay(failed, sources: sources, words: words, run: run, tracker: tracker, countsProgress: false)
            }
        } catch {
            try? journal.finish(run: runID, status: "failed", report: nil)
            throw error
        }

        var report = try makeReport(run: run, resumed: resumed, sources: sources)
        if verify, report.status != "failed" {
            report.verification = try await verification(report, sources: sources, words: words)
        }
        try journal.finish(run: runID, status: report.status, report: report)
        return report
    }

    /// Restores the given journal rows, `concurrency` models at a time.
    private func replay(_ rows: [RestoreJournal.Row], sources: [String: CustomModel], words: [String: PackedWords],
                        run: RestoreJournal.Run, tracker: ProgressTracker, countsProgress: Bool) async throws {
        try await forEachConcurrently(rows, limit: concurrency) { row in
            try await restoreModel(row, source: sources[row.sourceID], words: words[row.sourceID] ?? PackedWords(), run: run,
                                   tracker: tracker)
            if countsProgress { tracker.modelDone() }
        }
    }

    // MARK: One model

    private func restoreModel(_ row: RestoreJournal.Row, source: CustomModel?, words: PackedWords, run: RestoreJournal.Run,
                              tracker: ProgressTracker) async throws {
        guard let source else {
            try journal.setStatus(run: run.id, source: row.sourceID, "failed", message: "the model is not in snapshot \(run.snapshot) any more")
            return
        }
        do {
            var targetID = row.targetID
            switch row.action {
            case .update:
                if row.batchesDone == 0 {  // setting the description again is harmless
                    try await client.updateModel(id: row.targetID!, UpdateModelRequest(description: source.description))
                    try journal.setStatus(run: run.id, source: row.sourceID, "created")
                }
            case .create, .replace:
                if targetID == nil {
                    if row.action == .replace {
                        for old in row.replaces { try await deleteIfPresent(old) }
                    }
                    // `creating` (or failed before an id was stored): a POST may have reached the service.
                    let maybeSent = row.status == "creating" || row.status == "failed"
                    targetID = try await createOrAdopt(source, run: run, reconcileFirst: maybeSent)
                }
            case .skip:
                return
            }
            guard let targetID else { return }
            // The reader returns words in byte order, which is the service's order.
            try await sendWords(words, to: targetID, from: row, run: run, tracker: tracker)
            try journal.setStatus(run: run.id, source: row.sourceID, "done")
        } catch let error as ServiceError where error.isAuthenticationFailure {
            throw error
        } catch let error as ServiceError {
            // One model failing (after the client's retries) does not stop the others; resume retries it.
            try journal.setStatus(run: run.id, source: row.sourceID, "failed", message: error.description)
        }
    }

    private func deleteIfPresent(_ id: String) async throws {
        do {
            try await client.deleteModel(id: id)
        } catch let error as ServiceError where error.kind == .unknownCustomization {
            // Already gone (deleted by an earlier attempt of this run).
        }
    }

    /// Creates the model, storing its id at once. Create is never blindly retried: when its outcome is unknown the
    /// target is listed and an unclaimed model with the same name, language and description is adopted.
    private func createOrAdopt(_ source: CustomModel, run: RestoreJournal.Run, reconcileFirst: Bool) async throws -> String {
        if reconcileFirst, let adopted = try await adopt(source, run: run) { return adopted }
        let request = CreateModelRequest(name: source.name ?? "", language: source.language, description: source.description)
        for attempt in 1... {
            try journal.setStatus(run: run.id, source: source.customizationID, "creating")
            do {
                let created = try await client.createModel(request)
                _ = try journal.setTarget(run: run.id, source: source.customizationID, targetID: created.customizationID, target: target)
                return created.customizationID
            } catch let error as ServiceError where error.kind == .ambiguousCreate && attempt < 4 {
                if let adopted = try await adopt(source, run: run) { return adopted }
            }
        }
        fatalError("unreachable")
    }

    private func adopt(_ source: CustomModel, run: RestoreJournal.Run) async throws -> String? {
        let candidates = try await client.listModels().filter {
            ByteOrder.equal($0.name, source.name) && ByteOrder.equal($0.language, source.language)
                && ByteOrder.equal($0.description ?? "", source.description ?? "")
        }.sorted { ($0.created ?? "") > ($1.created ?? "") }
        for c in candidates
        where try journal.setTarget(run: run.id, source: source.customizationID, targetID: c.customizationID, target: target, adopting: true) {
            return c.customizationID
        }
        return nil
    }

    /// Words from the first batch not yet recorded as accepted. Re-adding overwrites (reference §5.6), so a
    /// resume that repeats the last batch is harmless.
    private func sendWords(_ words: PackedWords, to id: String, from row: RestoreJournal.Row, run: RestoreJournal.Run,
                           tracker: ProgressTracker) async throws {
        let size = run.options.mode == .single ? 1 : run.options.batchSize
        var batch = row.batchesDone
        while batch * size < words.count {
            let slice = (batch * size)..<min(words.count, (batch + 1) * size)
            let rejected = try await send(words, slice, to: id, single: run.options.mode == .single)
            for r in rejected {
                try journal.reject(run: run.id, source: row.sourceID, word: r.word, message: r.message)
            }
            batch += 1
            try journal.setBatchesDone(run: run.id, source: row.sourceID, batch)
            tracker.wordsSent(slice.count)
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
                                language: sources[row.sourceID]?.language, words: row.wordCount, action: row.action.rawValue,
                                status: row.status, message: row.message, rejections: rejections[row.sourceID] ?? [])
        }
        let status = models.contains { $0.status != "done" && $0.status != "skipped" } ? "failed"
            : (models.contains { !$0.rejections.isEmpty } ? "partial" : "complete")
        let prompts = rows.filter { $0.status != "skipped" }.reduce(0) { $0 + (sources[$1.sourceID]?.prompts?.count ?? 0) }
        return RestoreReport(runID: run.id, snapshotID: run.snapshot, target: run.target, status: status, resumed: resumed,
                             models: models, promptsNotRestorable: prompts, verification: nil)
    }

    /// Reads back only the restored models, `concurrency` at a time, and compares each with its source model
    /// (the journal pairs them, so this equals a diff matched by name and language). Prompts are left out on both
    /// sides: they are never restored.
    private func verification(_ report: RestoreReport, sources: [String: CustomModel],
                              words sourceWords: [String: PackedWords]) async throws -> RestoreReport.Verification {
        let pairs = report.models.compactMap { m -> (CustomModel, PackedWords, String)? in
            guard m.status == "done", let id = m.targetID, var source = sources[m.sourceID] else { return nil }
            source.prompts = []
            return (source, sourceWords[m.sourceID] ?? PackedWords(), id)
        }
        var diffs: [ModelDiff] = []
        var words = 0
        try await forEachConcurrently(pairs, limit: concurrency, { pair -> (ModelDiff?, Int) in
            var (source, expected, id) = pair
            let (model, found) = try await client.getModelPackingWords(id: id)
            var restored = model
            restored.prompts = []
            // Equal bytes in equal order cannot differ; anything else is compared entry by entry as in `diff`.
            if found != expected {
                source.words = expected.entries
                restored.words = found.entries
            }
            return (ContentDiff.compareModel(source, restored), found.count)
        }, consume: { result in
            if let diff = result.0 { diffs.append(diff) }
            words += result.1
        })
        let diff = ArchiveDiff(from: "snapshot \(report.snapshotID)", to: "restored \(report.target)", matchBy: "name", models: diffs)
        return RestoreReport.Verification(models: pairs.count, words: words, differences: diff)
    }
}

/// A snapshot's models (metadata and prompts, `words` nil) and their words as bytes, by customization id.
struct SnapshotModels: Sendable {
    var models: [CustomModel]
    var words: [String: PackedWords]
}

/// SnapshotReader over a store shared with the journal; reads happen before and after the concurrent part.
struct SnapshotReaderBox: @unchecked Sendable {
    let reader: SnapshotReader
    init(_ store: ArchiveStore) { reader = SnapshotReader(store) }
    func models(_ snapshot: Int64) throws -> SnapshotModels {
        let (models, words) = try reader.packedModels(in: snapshot)
        return SnapshotModels(models: models, words: words)
    }
}

final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var state: RestoreProgress
    private let progress: (@Sendable (RestoreProgress) -> Void)?

    init(total: Int, done: Int, progress: (@Sendable (RestoreProgress) -> Void)?) {
        state = RestoreProgress(modelsDone: done, modelsTotal: total, wordsSent: 0)
        self.progress = progress
    }

    func modelDone() { update { $0.modelsDone += 1 } }
    func wordsSent(_ n: Int) { update { $0.wordsSent += n } }

    private func update(_ change: (inout RestoreProgress) -> Void) {
        lock.lock()
        change(&state)
        let now = state
        lock.unlock()
        progress?(now)
    }
}
