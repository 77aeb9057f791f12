import Foundation
import SQLiteDB
import TTSAPI
import TTSClient

/// Keeps a target service instance (a warm standby) in step with the archive. The first sync into a target is a
/// restore (``Restorer``), whose journal seeds the pairing of source models to their twins; every later one sends
/// the difference between the snapshot the target last equalled and the new one (``SyncPlan``), journaled step by
/// step so a failed or killed run is resumed by running it again, never creating a model twice. Before sending,
/// the target's list (and with ``SyncOptions/checkDrift`` each model the run touches) is compared with the last
/// synced snapshot: changes made directly on the target refuse the run (``SyncError/drift(_:)``) unless forced.
///
/// One writer per target: callers hold the archive's lock (``ArchiveLock``) as a restore does, so a sync and a
/// restore into the same target never run at once.
public struct Syncer: Sendable {
    let journal: SyncJournal
    let restorer: Restorer
    let pool: DatabasePool
    /// The archive's database path, read on connections of the sync's own.
    let archive: String
    let client: any RestoreTarget
    /// Models synced at once (the client bounds requests in flight separately).
    public var concurrency: Int
    public var verify: SyncVerify

    public init(store: ArchiveStore, client: any RestoreTarget, concurrency: Int = 4, verify: SyncVerify = .touched) {
        journal = SyncJournal(store)
        restorer = Restorer(store: store, client: client, concurrency: concurrency)
        pool = store.pool
        archive = store.db.path
        self.client = client
        self.concurrency = max(1, concurrency)
        self.verify = verify
    }

    var target: String { client.serviceURL }

    // MARK: Plan

    /// The plan of the next run, from the archive and the target's current models. Sends nothing that writes.
    /// Drift is part of the plan (``SyncPlan/drift``), not an error.
    public func plan(snapshot: Int64, options: SyncOptions) async throws -> SyncPlan {
        guard let pairing = try journal.pairing(target: target) ?? journal.seedableRestore(target: target)?.pairing else {
            do {
                let restore = try await restorer.plan(snapshot: snapshot, options: RestoreOptions(batchSize: options.batchSize))
                return SyncPlan(target: target, fromSnapshot: nil, toSnapshot: snapshot, options: options, steps: [],
                                drift: ArchiveDiff(from: "", to: "", matchBy: "pairing", models: []), restore: restore,
                                targetModels: restore.targetModels, driftReads: 0)
            } catch RestoreError.targetNotEmpty(models: let n, conflicts: _) {
                throw SyncError.targetNotEmpty(target: target, models: n)
            }
        }
        if let open = try journal.unfinished(target: target), let run = try journal.run(open) {
            // The next run resumes this one: what is left of its journal, no drift (it made some itself).
            guard run.to == snapshot else { throw SyncError.unfinishedRun(open, snapshot: run.to, asked: snapshot) }
            var plan = SyncPlan(target: target, fromSnapshot: run.from, toSnapshot: run.to, options: run.options,
                                steps: try journal.steps(run: open).filter { $0.status != .done }.map(\.plan),
                                drift: ArchiveDiff(from: "", to: "", matchBy: "pairing", models: []), restore: nil,
                                targetModels: 0, driftReads: 0)
            plan.resumes = open
            return plan
        }
        return try await deltaPlan(pairing, snapshot: snapshot, options: options)
    }

    /// Empties the words and prompts a comparison leaves out, and reads an absent description as empty (the
    /// service cannot unset one).
    static func comparable(_ model: CustomModel, words: [WordEntry]? = nil) -> CustomModel {
        var m = model
        m.words = words
        m.prompts = []
        m.description = m.description ?? ""
        return m
    }

    private func deltaPlan(_ pairing: SyncPairing, snapshot: Int64, options: SyncOptions) async throws -> SyncPlan {
        let from = pairing.snapshot
        let exists = try pool.read { try $0.scalar("SELECT count(*) FROM snapshots WHERE id = ?", from, as: Int.self) > 0 }
        guard exists else { throw SyncError.lastSnapshotGone(from, target: target) }
        // Another lineage's snapshot shares no model ids with this one's: its "difference" would delete every twin.
        let lineages: [(id: Int64, name: String)] = try pool.read { db in
            try db.query("""
                SELECT src.id, src.url, src.scope FROM snapshots s JOIN sources src ON src.id = s.source WHERE s.id IN (?, ?)
                ORDER BY s.id = ? DESC
                """, from, snapshot, from, map: { r -> (id: Int64, name: String) in
                let url = r.text(1) ?? "", scope = r.text(2) ?? ""
                return (r.int64(0), scope.isEmpty ? url : "\(url) (\(scope))")
            })
        }
        if lineages.count == 2, let was = lineages.first, let now = lineages.last, was.id != now.id {
            throw SyncError.otherLineage(snapshot: snapshot, lineage: now.name, synced: from, syncedLineage: was.name, target: target)
        }
        let listed = try await client.listModels()
        let live = Dictionary(listed.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })
        let old = try SnapshotStream(path: archive, snapshot: from)
        let new = try from == snapshot ? old : SnapshotStream(path: archive, snapshot: snapshot)
        let diff = try pool.read { try SnapshotDiff(db: $0).between(from, snapshot, detail: .words) }
        let oldModels = Dictionary(old.models.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })
        let newModels = Dictionary(new.models.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })

        // The twins this run will change, read in full with check-drift.
        var touched: [(source: String, twin: String)] = []
        for d in diff.models {
            let source = d.change == .removed ? d.fromCustomizationID : d.toCustomizationID
            guard let source, let twin = pairing.paired[source], live[twin] != nil else { continue }
            switch d.change {
            case .added: continue
            case .removed: if options.keepRemoved { continue }
            case .changed: if d.metadata.isEmpty && d.wordCounts.isEmpty { continue }  // prompts only: nothing to send
            }
            touched.append((source, twin))
        }
        var read: [String: CustomModel] = [:]
        if options.checkDrift {
            try await forEachConcurrently(touched, limit: concurrency, { pair -> (String, CustomModel) in
                try Task.checkCancellation()
                return (pair.source, try await client.getModel(id: pair.twin))
            }, consume: { read[$0.0] = $0.1 })
        }

        // Drift: the target against the snapshot it last equalled, through the pairing.
        var drifts: [ModelDiff] = []
        for (source, twin) in pairing.paired.sorted(by: { $0.key < $1.key }) {
            guard let was = oldModels[source] else { continue }
            guard let now = live[twin] else {
                let gone = Self.comparable(was, words: try await old.words(of: source).entries)
                if var d = ContentDiff.compareModel(gone, nil) {
                    d.toCustomizationID = nil
                    drifts.append(d)
                }
                continue
            }
            let d: ModelDiff?
            if let full = read[source] {
                d = ContentDiff.compareModel(Self.comparable(was, words: try await old.words(of: source).entries),
                                             Self.comparable(full, words: full.words ?? []))
            } else {
                d = ContentDiff.compareModel(Self.comparable(was), Self.comparable(now))
            }
            if let d { drifts.append(d) }
        }
        let claimed = Set(pairing.paired.values).union(pairing.kept.values)
        for m in listed where !claimed.contains(m.customizationID) {
            drifts.append(ModelDiff(change: .added, fromCustomizationID: nil, toCustomizationID: m.customizationID, name: m.name,
                                    language: m.language, metadata: [], words: [], prompts: []))
        }
        let drift = ArchiveDiff(from: "snapshot \(from)", to: "live \(target)", matchBy: "pairing", models: drifts)

        // Steps.
        let size = options.batchSize
        func create(_ m: CustomModel, action: SyncPlan.Action = .create, replacing twin: String? = nil) -> SyncPlan.Step {
            SyncPlan.Step(sourceID: m.customizationID, action: action, targetID: twin, name: m.name, language: m.language,
                          description: m.description, setName: nil, setDescription: nil, addWords: [], deleteWords: [],
                          words: new.wordCounts[m.customizationID] ?? 0, batchSize: size)
        }
        /// The twin's metadata set to the snapshot's, as the target lists it now.
        func update(_ m: CustomModel, twin: String, now: CustomModel) -> SyncPlan.Step {
            var step = create(m, action: .update, replacing: twin)
            step.words = 0
            if !ByteOrder.equal(now.name, m.name) { step.setName = m.name ?? "" }
            if !ByteOrder.equal(now.description ?? "", m.description ?? "") { step.setDescription = m.description ?? "" }
            return step
        }
        func sameLanguage(_ a: CustomModel, _ b: CustomModel) -> Bool { ByteOrder.equal(a.language, b.language) }

        var steps: [SyncPlan.Step] = []
        var planned = Set<String>()
        for d in diff.models {
            switch d.change {
            case .added:
                // A model the pairing already has is brought in line below, as any paired model.
                guard let s = d.toCustomizationID, let m = newModels[s], pairing.paired[s] == nil else { continue }
                steps.append(create(m))
                planned.insert(s)
            case .removed:
                guard let s = d.fromCustomizationID, let twin = pairing.paired[s] else { continue }
                var step = create(oldModels[s] ?? CustomModel(customizationID: s, name: d.name, language: d.language),
                                  action: options.keepRemoved ? .keep : .delete, replacing: twin)
                step.words = 0
                steps.append(step)
                planned.insert(s)
            case .changed:
                guard let s = d.toCustomizationID, let m = newModels[s] else { continue }
                planned.insert(s)
                guard let twin = pairing.paired[s], let now = live[twin] else {
                    steps.append(create(m))  // its twin is gone (drift, forced)
                    continue
                }
                guard sameLanguage(now, m) else {
                    steps.append(create(m, action: .replace, replacing: twin))
                    continue
                }
                var step = update(m, twin: twin, now: now)
                var add: [WordEntry] = [], delete: [String] = []
                if let full = read[s] {
                    // The twin as read, against the snapshot: exact, whatever drifted.
                    for c in ContentDiff.compareWords(full.words ?? [], try await new.words(of: s).entries) {
                        if c.change == .removed { delete.append(c.word) } else if let t = c.new {
                            add.append(WordEntry(word: c.word, translation: t.translation, partOfSpeech: t.partOfSpeech))
                        }
                    }
                } else {
                    for c in d.words {
                        if c.change == .removed { delete.append(c.word) } else if let t = c.new {
                            add.append(WordEntry(word: c.word, translation: t.translation, partOfSpeech: t.partOfSpeech))
                        }
                    }
                }
                step.addWords = add.sorted { WordEntry.serviceOrder($0.word, $1.word) }
                step.deleteWords = delete
                if step.hasMetadata || !step.addWords.isEmpty || !step.deleteWords.isEmpty { steps.append(step) }
            }
        }
        // Models the difference does not name: a twin deleted or changed on the target (drift, forced), or a model
        // no run paired (left out of the first restore) is created.
        for m in new.models where !planned.contains(m.customizationID) {
            guard let twin = pairing.paired[m.customizationID], let now = live[twin] else {
                steps.append(create(m))
                continue
            }
            guard sameLanguage(now, m) else {
                steps.append(create(m, action: .replace, replacing: twin))
                continue
            }
            let step = update(m, twin: twin, now: now)
            if step.hasMetadata { steps.append(step) }
        }
        return SyncPlan(target: target, fromSnapshot: from, toSnapshot: snapshot, options: options,
                        steps: steps.sorted { ByteOrder.compare($0.sourceID, $1.sourceID) < 0 }, drift: drift, restore: nil,
                        targetModels: listed.count, driftReads: options.checkDrift ? touched.count : 0)
    }

    // MARK: Run

    /// Runs (or resumes) a sync of `snapshot` into the target. An unfinished run into the target is resumed (it
    /// must be of the same snapshot); a resumed run follows its journal and checks no drift (it made some itself).
    ///
    /// `progress` receives the phases plan, apply (a first sync: replay, as a restore) and verify, then done.
    /// Task cancellation stops the run at the next request: a cancelled plan writes nothing, a cancelled apply
    /// leaves the run resumable (`cancelled`) and the same call resumes it. It throws `CancellationError`.
    public func run(snapshot: Int64, options: SyncOptions, job: String = "sync", progress: JobProgressSink? = nil) async throws -> SyncReport {
        var pairing = try journal.pairing(target: target)
        if pairing == nil, let seed = try journal.seedableRestore(target: target) {
            // A restore into this target finished (a first sync killed before it recorded the pairing, or a
            // restore run on its own): its journal pairs the models.
            try journal.seed(target: target, snapshot: seed.pairing.snapshot, restoreRun: seed.run, pairs: seed.pairing.paired)
            pairing = try journal.pairing(target: target)
        }
        guard let pairing else { return try await firstRun(snapshot: snapshot, options: options, job: job, progress: progress) }

        let reporter = JobReporter(job: job, sink: progress)
        reporter.begin(.plan)
        let runID: Int64
        var resumed = false
        var drift: ArchiveDiff?
        if let open = try journal.unfinished(target: target) {
            guard let run = try journal.run(open) else { throw SyncError.noSuchRun(open) }
            guard run.to == snapshot else { throw SyncError.unfinishedRun(open, snapshot: run.to, asked: snapshot) }
            runID = open
            resumed = true
        } else {
            let plan = try await deltaPlan(pairing, snapshot: snapshot, options: options)
            if !plan.drift.models.isEmpty, !options.force { throw SyncError.drift(plan.drift) }
            try Task.checkCancellation()  // a cancelled plan writes nothing
            drift = plan.drift.models.isEmpty ? nil : plan.drift
            if plan.steps.isEmpty {
                try journal.advance(target: target, to: snapshot, run: nil, steps: [], status: .complete, report: nil)
                var report = SyncReport(target: target, fromSnapshot: pairing.snapshot, toSnapshot: snapshot, runID: nil, restore: nil,
                                        status: .complete, resumed: false, models: [], requests: 0, drift: drift, verification: nil)
                if verify == .all {
                    let stream = try SnapshotStream(path: archive, snapshot: snapshot)
                    report.verification = try await verification(try pairedNow(stream), stream: stream, reporter: reporter)
                }
                reporter.finish()
                return report
            }
            runID = try journal.start(plan: plan, options: options)
        }
        guard let run = try journal.run(runID) else { throw SyncError.noSuchRun(runID) }
        let stream = try SnapshotStream(path: archive, snapshot: run.to)
        let sources = Dictionary(stream.models.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })

        let steps = try journal.steps(run: runID)
        let work = steps.filter { $0.status != .done }
        reporter.begin(.apply, modelsDone: steps.count - work.count, modelsTotal: steps.count,
                       wordsTotal: steps.reduce(0) { $0 + $1.plan.entriesSent + ($1.action == .update ? $1.plan.deleteWords.count : 0) })
        for step in work where step.action == .create || step.action == .replace {
            if let warning = RestorePlan.nameWarning(sources[step.sourceID]?.name) { reporter.warn("model \(step.sourceID): \(warning)") }
        }
        do {
            try await apply(work, run: run, stream: stream, sources: sources, reporter: reporter, countsProgress: true)
            // A model that still failed after the client's retries gets one more pass, as in a restore.
            let failed = try journal.steps(run: runID).filter { $0.status == .failed }
            if !failed.isEmpty {
                try Task.checkCancellation()
                try await apply(failed, run: run, stream: stream, sources: sources, reporter: reporter, countsProgress: false)
            }
        } catch {
            try? journal.finish(run: runID, status: Task.isCancelled ? .cancelled : .failed, report: nil)
            throw Task.isCancelled ? CancellationError() : error
        }

        let done = try journal.steps(run: runID)
        var report = try makeReport(run: run, steps: done, sources: sources, resumed: resumed, drift: drift)
        guard report.status != .failed else {
            try journal.finish(run: runID, status: .failed, report: report)
            reporter.finish()
            return report
        }
        // Every step is done: the target equals the snapshot, and the pairing says so. A run still to verify stays
        // `running` until the verification's answer is recorded: killed, cancelled or failed before that, it is
        // resumed (nothing left to send) and the resumed run verifies.
        try journal.advance(target: target, to: run.to, run: runID, steps: done, status: verify == .none ? report.status : .running,
                            report: report)
        if verify != .none {
            let pairs = verify == .all ? try pairedNow(stream)
                : done.compactMap { s -> (source: String, twin: String)? in
                    guard [.create, .replace, .update].contains(s.action), let twin = s.targetID else { return nil }
                    return (s.sourceID, twin)
                }
            do {
                report.verification = try await verification(pairs, stream: stream, reporter: reporter)
            } catch {
                try? journal.finish(run: runID, status: Task.isCancelled ? .cancelled : .failed, report: report)
                throw Task.isCancelled ? CancellationError() : error
            }
            try journal.finish(run: runID, status: report.status, report: report)
        }
        reporter.finish()
        return report
    }

    /// Every paired model of the snapshot, with its twin.
    private func pairedNow(_ stream: SnapshotStream) throws -> [(source: String, twin: String)] {
        let paired = try journal.pairing(target: target)?.paired ?? [:]
        return stream.models.compactMap { m in paired[m.customizationID].map { (m.customizationID, $0) } }
    }

    private func firstRun(snapshot: Int64, options: SyncOptions, job: String, progress: JobProgressSink?) async throws -> SyncReport {
        var restorer = self.restorer
        restorer.verify = verify != .none
        let restore: RestoreReport
        do {
            restore = try await restorer.run(snapshot: snapshot, options: RestoreOptions(batchSize: options.batchSize), job: job,
                                             progress: progress)
        } catch RestoreError.targetNotEmpty(models: let n, conflicts: _) {
            throw SyncError.targetNotEmpty(target: target, models: n)
        }
        if restore.status != .failed {
            try journal.seed(target: target, snapshot: restore.snapshotID, restoreRun: restore.runID, pairs: SyncJournal.pairs(restore.models))
        }
        let models = restore.models.map {
            SyncReport.Model(sourceID: $0.sourceID, targetID: $0.targetID, name: $0.name, language: $0.language, action: .create,
                             added: $0.words, deleted: 0, status: SyncStepStatus(rawValue: $0.status.rawValue) ?? .failed, message: $0.message,
                             rejections: $0.rejections)
        }
        return SyncReport(target: target, fromSnapshot: nil, toSnapshot: restore.snapshotID, runID: nil, restore: restore,
                          status: SyncRunStatus(rawValue: restore.status.rawValue) ?? .failed, resumed: restore.resumed, models: models, requests: 0, drift: nil,
                          verification: restore.verification)
    }

    private func makeReport(run: SyncJournal.Run, steps: [SyncJournal.Step], sources: [String: CustomModel], resumed: Bool,
                            drift: ArchiveDiff?) throws -> SyncReport {
        let rejections = try journal.rejections(run: run.id)
        let models = steps.map { s in
            SyncReport.Model(sourceID: s.sourceID, targetID: s.targetID, name: sources[s.sourceID]?.name ?? s.plan.name,
                             language: sources[s.sourceID]?.language ?? s.plan.language, action: s.action,
                             added: s.plan.entriesSent, deleted: s.action == .update ? s.plan.deleteWords.count : 0, status: s.status,
                             message: s.message, rejections: rejections[s.sourceID] ?? [])
        }
        let status: SyncRunStatus = models.contains { $0.status != .done } ? .failed : (models.contains { !$0.rejections.isEmpty } ? .partial : .complete)
        return SyncReport(target: run.target, fromSnapshot: run.from, toSnapshot: run.to, runID: run.id, restore: nil, status: status,
                          resumed: resumed, models: models, requests: steps.reduce(0) { $0 + $1.plan.requests }, drift: drift,
                          verification: nil)
    }

    // MARK: Apply

    private func apply(_ steps: [SyncJournal.Step], run: SyncJournal.Run, stream: SnapshotStream, sources: [String: CustomModel],
                       reporter: JobReporter, countsProgress: Bool) async throws {
        try await forEachConcurrently(steps, limit: concurrency, { step in
            try Task.checkCancellation()
            try await applyStep(step, run: run, stream: stream, source: sources[step.sourceID], reporter: reporter)
            if countsProgress { reporter.modelDone() }
        })
    }

    /// One model's step. Every request but a create is idempotent (add overwrites, deletes of what is gone are
    /// taken as done), and a create is journaled first and reconciled when its outcome is unknown.
    private func applyStep(_ step: SyncJournal.Step, run: SyncJournal.Run, stream: SnapshotStream, source: CustomModel?,
                           reporter: JobReporter) async throws {
        do {
            switch step.action {
            case .keep:
                break
            case .delete:
                try await deleteModelIfPresent(step.plan.targetID!)
            case .create, .replace:
                guard let source else {
                    try journal.setStatus(run: run.id, source: step.sourceID, .failed, message: "the model is not in snapshot \(run.to) any more")
                    return
                }
                var twin = step.targetID
                if twin == nil {
                    if step.action == .replace, let old = step.plan.targetID { try await deleteModelIfPresent(old) }
                    // `creating` (or failed before an id was stored): a POST may have reached the service.
                    let maybeSent = step.status == .creating || step.status == .failed
                    twin = try await createOrAdopt(source, run: run, reconcileFirst: maybeSent)
                }
                let words = try await stream.words(of: step.sourceID)
                try await sendWords(words, to: twin!, step: step, metadata: nil, run: run, reporter: reporter)
            case .update:
                let twin = step.plan.targetID!
                let metadata = step.plan.hasMetadata ? UpdateModelRequest(name: step.plan.setName, description: step.plan.setDescription) : nil
                var done = step.requestsDone
                if let metadata, step.plan.addWords.isEmpty, done == 0 {
                    try Task.checkCancellation()
                    try await client.updateModel(id: twin, metadata)
                    done = 1
                    try journal.setRequestsDone(run: run.id, source: step.sourceID, done)
                }
                try await sendWords(PackedWords(step.plan.addWords), to: twin, step: step, metadata: metadata, run: run, reporter: reporter)
                try await deleteWords(step, twin: twin, run: run, reporter: reporter)
            }
            try journal.setStatus(run: run.id, source: step.sourceID, .done)
        } catch let error as ServiceError where error.isAuthenticationFailure {
            throw error
        } catch let error as ServiceError {
            // A request cut short by the cancellation is no failure of the model: its row stays where it was.
            try Task.checkCancellation()
            // One model failing (after the client's retries) does not stop the others; running again retries it.
            try journal.setStatus(run: run.id, source: step.sourceID, .failed, message: error.description)
        }
    }

    private func deleteModelIfPresent(_ id: String) async throws {
        try Task.checkCancellation()
        do {
            try await client.deleteModel(id: id)
        } catch let error as ServiceError where error.kind == .unknownCustomization {
            // Already gone (an earlier attempt of this run, or deleted on the target).
        }
    }

    /// Entries in batches from the first one not yet recorded as accepted; `metadata` rides on the first batch
    /// (the update request carries words too, reference §3).
    private func sendWords(_ words: PackedWords, to id: String, step: SyncJournal.Step, metadata: UpdateModelRequest?,
                           run: SyncJournal.Run, reporter: JobReporter) async throws {
        let size = step.plan.batchSize
        var batch = step.requestsDone
        while batch * size < words.count {
            try Task.checkCancellation()
            let slice = (batch * size)..<min(words.count, (batch + 1) * size)
            var rejected: [RestoreReport.Rejection] = []
            if batch == 0, var metadata {
                metadata.words = slice.map(words.entry)
                do {
                    try await client.updateModel(id: id, metadata)
                } catch let error as ServiceError where error.kind == .badRequest {
                    // The name, the description or an entry was refused: the metadata alone (a refusal of it fails
                    // the model), then the entries, split as a restore splits them.
                    metadata.words = nil
                    try await client.updateModel(id: id, metadata)
                    rejected = try await send(words, slice, to: id)
                }
            } else {
                rejected = try await send(words, slice, to: id)
            }
            for r in rejected { try journal.reject(run: run.id, source: step.sourceID, word: r.word, message: r.message) }
            batch += 1
            try journal.setRequestsDone(run: run.id, source: step.sourceID, batch)
            reporter.wordsDone(slice.count)
        }
    }

    /// Sends entries; a 400 splits the batch in halves until the refused entries are isolated.
    private func send(_ words: PackedWords, _ range: Range<Int>, to id: String) async throws -> [RestoreReport.Rejection] {
        do {
            try await client.addWords(id: id, words, range)
            return []
        } catch let error as ServiceError where error.kind == .badRequest {
            if range.count == 1 {
                return [RestoreReport.Rejection(word: words.word(range.lowerBound), message: error.message ?? error.description)]
            }
            let mid = range.lowerBound + range.count / 2
            let left = try await send(words, range.lowerBound..<mid, to: id)
            return left + (try await send(words, mid..<range.upperBound, to: id))
        }
    }

    /// One delete per removed word, after the update requests; a word already gone counts as deleted.
    private func deleteWords(_ step: SyncJournal.Step, twin: String, run: SyncJournal.Run, reporter: JobReporter) async throws {
        let before = step.plan.updateRequests
        var n = max(0, step.requestsDone - before)
        while n < step.plan.deleteWords.count {
            try Task.checkCancellation()
            let word = step.plan.deleteWords[n]
            do {
                try await client.deleteWord(id: twin, word: word)
            } catch let error as ServiceError where error.kind == .badRequest {
                // The service answers 400 for a word not in the model (reference §2.3 (10)).
                if (try? await client.getWord(id: twin, word: word)) != nil { throw error }
            }
            n += 1
            try journal.setRequestsDone(run: run.id, source: step.sourceID, before + n)
            reporter.wordsDone(1)
        }
    }

    /// Creates the model (or adopts the one an unanswered create made): see `ModelCreation`.
    private func createOrAdopt(_ source: CustomModel, run: SyncJournal.Run, reconcileFirst: Bool) async throws -> String {
        let journal = journal, target = target, id = source.customizationID
        return try await ModelCreation(
            client: client,
            markCreating: { try journal.setStatus(run: run.id, source: id, .creating) },
            claim: { targetID, adopting in try journal.setTarget(run: run.id, source: id, targetID: targetID, target: target, adopting: adopting) }
        ).createOrAdopt(source, reconcileFirst: reconcileFirst)
    }

    // MARK: Verify

    /// Reads back each twin and compares it with the snapshot's model (prompts left out: never synced). A twin
    /// the target no longer has is a removed model.
    private func verification(_ pairs: [(source: String, twin: String)], stream: SnapshotStream,
                              reporter: JobReporter) async throws -> RestoreReport.Verification {
        let sources = Dictionary(stream.models.map { ($0.customizationID, $0) }, uniquingKeysWith: { a, _ in a })
        reporter.begin(.verify, modelsTotal: pairs.count, wordsTotal: pairs.reduce(0) { $0 + (stream.wordCounts[$1.source] ?? 0) })
        var diffs: [ModelDiff] = []
        var words = 0
        try await forEachConcurrently(pairs, limit: concurrency, { pair -> (ModelDiff?, Int, Int) in
            try Task.checkCancellation()
            guard let source = sources[pair.source] else { return (nil, 0, 0) }
            let expected = try await stream.words(of: pair.source)
            do {
                let (model, found) = try await client.getModelPackingWords(id: pair.twin)
                var a = Self.comparable(source), b = Self.comparable(model)
                // Equal bytes in equal order cannot differ; anything else is compared entry by entry as in `diff`.
                if found != expected {
                    a.words = expected.entries
                    b.words = found.entries
                }
                return (ContentDiff.compareModel(a, b), found.count, expected.count)
            } catch let error as ServiceError where error.kind == .unknownCustomization {
                return (ContentDiff.compareModel(Self.comparable(source, words: expected.entries), nil), 0, expected.count)
            }
        }, consume: { result in
            let (diff, found, expected) = result
            if let diff { diffs.append(diff) }
            words += found
            reporter.add(models: 1, words: expected)
        })
        let diff = ArchiveDiff(from: "snapshot \(stream.snapshot)", to: "standby \(target)", matchBy: "pairing", models: diffs)
        return RestoreReport.Verification(models: pairs.count, words: words, differences: diff)
    }
}

extension SyncJournal {
    /// The pairs a restore report makes: every model it restored.
    static func pairs(_ models: [RestoreReport.Model]) -> [String: String] {
        Dictionary(models.compactMap { m in m.status == .done ? m.targetID.map { (m.sourceID, $0) } : nil },
                   uniquingKeysWith: { a, _ in a })
    }

    /// The newest restore run into `target`, when it finished and restored a whole snapshot into an empty instance
    /// (no filter, `existing: fail`): the target holds exactly that snapshot's models, and the run's journal pairs
    /// them. Nil otherwise (a newer run did not finish, it was filtered or mixed with existing models).
    func seedableRestore(target: String) throws -> (run: Int64, pairing: SyncPairing)? {
        try pool.read { db in
            guard let last = try db.query("SELECT id, snapshot, status, options FROM restore_runs WHERE target = ? ORDER BY id DESC LIMIT 1",
                                          target, map: { r in (r.int64(0), r.int64(1), r.text(2) ?? "", r.text(3) ?? "{}") }).first,
                  last.2 == "complete" || last.2 == "partial",
                  let options = try? JSONDecoder().decode(RestoreOptions.self, from: Data(last.3.utf8)),
                  options.filter.isEmpty, options.existing == .fail else { return nil }
            var pairs: [String: String] = [:]
            try db.prepare("SELECT source_id, target_id FROM restore_models WHERE run = ? AND status = 'done' AND target_id IS NOT NULL")
                .bind(last.0).forEachRow { r in pairs[r.text(0) ?? ""] = r.text(1) ?? "" }
            return (last.0, SyncPairing(target: target, snapshot: last.1, syncedAt: "", restoreRun: last.0, paired: pairs, kept: [:]))
        }
    }
}
