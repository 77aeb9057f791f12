import Basics
import Foundation
import SQLiteDB
import TTSAPI

public struct SnapshotOptions: Sendable {
    public var concurrency: Int
    public var note: String?
    public var tags: [String]
    public var filter: ModelFilter
    /// How many times to re-list and re-fetch models that changed while the run was going.
    public var consistencyRounds: Int

    public init(concurrency: Int = 8, note: String? = nil, tags: [String] = [], filter: ModelFilter = .init(), consistencyRounds: Int = 3) {
        self.concurrency = max(1, concurrency)
        self.note = note
        self.tags = tags
        self.filter = filter
        self.consistencyRounds = consistencyRounds
    }
}

/// The outcome of a snapshot run, as printed by `snapshot --json`: the snapshot as recorded, plus what
/// happened during the run. Fields of the record read through (`summary.words`).
@dynamicMemberLookup
public struct SnapshotSummary: Codable, Sendable, Equatable {
    public var snapshot: SnapshotRecord
    /// Models deleted on the service between listing and fetching: recorded as gone.
    public var goneDuringRun: [String]
    /// Models fetched again because they changed while the run was going.
    public var refetched: [String]
    public var requests: Int
    /// Models whose rows in the archive no longer matched their recorded hash (altered since they were written):
    /// rewritten from the service's answer in this snapshot. Older snapshots keep the damage (`check` reports it).
    public var healed: [HealedModel]

    public struct HealedModel: Codable, Sendable, Equatable {
        public var customizationID: String
        public var name: String?
        /// Damaged rows replaced (words and prompt rows).
        public var rows: Int
    }

    public var snapshotID: Int64 { snapshot.id }
    public subscript<T>(dynamicMember keyPath: KeyPath<SnapshotRecord, T>) -> T { snapshot[keyPath: keyPath] }
}

/// Takes a snapshot: lists the source's models, fetches each with bounded concurrency, compares each with the
/// archive as it arrives (in a read transaction: other writers go on), and publishes the whole snapshot in one short
/// write transaction once everything is consistent. No write transaction is open while the service is asked: tags,
/// restore journals and other writers proceed meanwhile.
///
/// The words of models the archive has never published (a first snapshot's every model) are written as they
/// arrive, in short write transactions, as rows no reader reaches until the commit publishes them (see
/// ``SnapshotWriter``): the writing overlaps the fetching, and nothing of a first snapshot is held in memory.
/// Any failure or cancellation before the commit deletes them: the archive is as it was for every reader.
public enum Snapshotter {
    /// `progress` receives the job `snapshot`: the phases list, fetch (models done of those listed, words fetched
    /// so far; begun again for each round that refetches models that changed meanwhile), commit, then done with
    /// the snapshot's models and words. Its warnings: models deleted during the run, fetched again, healed.
    ///
    /// Task cancellation is honoured at every step until the commit: a cancelled snapshot records nothing
    /// (rows written ahead are deleted) and throws `CancellationError`.
    public static func run(
        store: ArchiveStore, source: ModelSource, options: SnapshotOptions = .init(), progress: JobProgressSink? = nil
    ) async throws -> SnapshotSummary {
        let pool = store.pool
        let reporter = JobReporter(job: "snapshot", sink: progress)
        reporter.begin(.list)
        let startedAt = Timestamp.now()
        var requests = 1
        // Models whose words were written ahead of the commit (their model rows), and the id reserved for them.
        var writtenAhead: [String: Int64] = [:]
        var reserved: Int64?
        do {
            let everyModel = try await source.listModels()
            try Task.checkCancellation()
            try options.filter.check(everyModel, in: source.sourceDescription.kind == .service ? "on the service" : "in \(source.sourceDescription.url)")
            var listed = everyModel.filter(options.filter.matches)
            var description = source.sourceDescription
            description.scope = options.filter.scope
            // Rows a killed run wrote ahead go before this run reserves the same snapshot id (nothing written
            // when there are none).
            try await pool.write { try SnapshotWriter.removeUnpublished(on: $0) }
            let sourceID = try pool.readOnWriter { try SnapshotWriter.existingSource(description, on: $0) }
            let stage = try SnapshotStage()
            // What each fetched model will write; words to add beyond a few are written ahead or staged, not held.
            var plans: [String: (plan: SnapshotWriter.Plan, staged: Bool)] = [:]
            var fetchedLastModified: [String: String?] = [:]
            var goneCandidates: Set<String> = []
            var refetched: Set<String> = []
            var wordsSoFar = 0
            var toFetch = listed.map(\.customizationID)
            func forget(_ id: String) throws {
                if plans.removeValue(forKey: id)?.staged == true { try stage.remove(id) }
                if let key = writtenAhead.removeValue(forKey: id) {
                    try pool.write { try SnapshotWriter.removeWrittenAhead(model: key, on: $0) }
                }
            }

            for round in 0...options.consistencyRounds {
                for id in toFetch { try SnapshotWriter.checkID(id) }  // before any request: a listed id that is no GUID
                // Of every model of the run: those done, and those this round fetches (again).
                let again = Set(toFetch)
                let done = fetchedLastModified.keys.count { !again.contains($0) } + goneCandidates.count
                reporter.begin(.fetch, modelsDone: done, modelsTotal: done + toFetch.count, wordsDone: wordsSoFar)
                if !toFetch.isEmpty {
                    try await fetchAll(toFetch, from: source, concurrency: options.concurrency, prepare: SnapshotWriter.Prepared.init) { result in
                        try Task.checkCancellation()
                        requests += 1
                        switch result {
                        case .model(let prepared):
                            let model = prepared.model
                            try forget(model.customizationID)
                            // Read on the writer connection, in a read transaction: SQLite's write lock stays free.
                            // Through read() copies: every open row of every model is read once, and through the map
                            // those pages would stay resident for the rest of the run.
                            var plan = try pool.readOnWriter { db in
                                try db.withoutMemoryMap { try SnapshotWriter.plan(prepared, sourceID: sourceID, on: db) }
                            }
                            var staged = false
                            if plan.insertWords.count > SnapshotStage.inMemoryLimit {
                                if plan.unpublished, SnapshotWriter.roomToWriteAhead(plan.insertWords, archive: store.path) {
                                    writtenAhead[model.customizationID] = try pool.write { db in
                                        if reserved == nil { reserved = try SnapshotWriter.reserveID(on: db) }
                                        return try SnapshotWriter.writeAhead(&plan, source: description, snapshotID: reserved!, on: db)
                                    }
                                } else {
                                    try stage.stage(model.customizationID, plan.insertWords)
                                    plan.insertWords = []
                                    staged = true
                                }
                            }
                            plans[model.customizationID] = (plan, staged)
                            fetchedLastModified[model.customizationID] = model.lastModified
                            wordsSoFar += prepared.words.count
                            reporter.add(models: 1, words: prepared.words.count)
                        case .gone(let id):
                            try forget(id)
                            fetchedLastModified[id] = nil
                            goneCandidates.insert(id)
                            reporter.add(models: 1)
                        }
                    }
                }
                // Re-list: what changed, appeared or vanished while we were fetching?
                listed = try await source.listModels().filter(options.filter.matches)
                try Task.checkCancellation()
                requests += 1
                let listedIDs = Set(listed.map(\.customizationID))
                // Listed but refused: not a deletion. It is fetched again below; after the last round it is an error.
                if round == options.consistencyRounds, let id = goneCandidates.sorted().first(where: listedIDs.contains) {
                    throw SnapshotError.modelVanishedButListed(id: id)
                }
                for id in Array(fetchedLastModified.keys) where !listedIDs.contains(id) {
                    try forget(id)  // deleted after we fetched it
                    fetchedLastModified[id] = nil
                    goneCandidates.insert(id)
                }
                toFetch = listed.filter { m in
                    guard let seen = fetchedLastModified[m.customizationID] else { return true }  // new, or refused
                    return !ByteOrder.equal(seen, m.lastModified)
                }.map(\.customizationID)
                for id in toFetch where fetchedLastModified[id] != nil { refetched.insert(id) }
                goneCandidates.subtract(toFetch)
                if toFetch.isEmpty { break }
                if round == options.consistencyRounds {
                    // Still changing after every round: record what we have, note what moved.
                    break
                }
            }

            // The one write transaction that publishes: everything fetched, nothing awaited inside. Rolled back on
            // any error, and when the task was cancelled.
            reporter.begin(.commit, modelsTotal: plans.count, wordsDone: wordsSoFar)
            let (record, writer) = try await pool.write { db in
                let writer = try SnapshotWriter(db: db, source: description, startedAt: startedAt, note: options.note, reserved: reserved)
                for id in plans.keys.sorted() {
                    let (plan, staged) = plans[id]!
                    try writer.apply(plan, words: staged ? try stage.words(id) : plan.insertWords)
                }
                _ = try writer.finish(finishedAt: Timestamp.now())
                // Every model written ahead has its version now, but one that went away after (its words are
                // deleted; its model row stays until here).
                if reserved != nil { try SnapshotWriter.removeUnpublished(on: db) }
                for tag in options.tags {
                    try db.run("INSERT OR IGNORE INTO snapshot_tags (snapshot, tag) VALUES (?, ?)", writer.snapshotID, tag)
                }
                guard let record = try SnapshotReader(db: db).snapshot(writer.snapshotID) else {
                    throw SQLiteError(code: 1, message: "snapshot \(writer.snapshotID) vanished before commit")
                }
                return (record, writer)
            }
            reserved = nil  // published
            let healed = writer.stats.filter { $0.value.rowsHealed > 0 }.keys.sorted().map { id in
                SnapshotSummary.HealedModel(customizationID: id, name: writer.names[id] ?? nil, rows: writer.stats[id]!.rowsHealed)
            }
            let summary = SnapshotSummary(snapshot: record, goneDuringRun: goneCandidates.sorted(), refetched: refetched.sorted(),
                                          requests: requests, healed: healed)
            for id in summary.goneDuringRun { reporter.warn("model \(id) was deleted during the run: recorded as gone") }
            for id in summary.refetched { reporter.warn("model \(id) changed during the run: fetched again") }
            for h in healed {
                reporter.warn("model \(h.customizationID): \(h.rows) damaged row\(h.rows == 1 ? "" : "s") in the archive rewritten from the service's answer")
            }
            reporter.finish(models: record.models, words: record.words)
            return summary
        } catch {
            if reserved != nil { removeWrittenAhead(pool) }
            // A full disk or a damaged page is the archive's condition, not a SQL detail: name the file (nothing
            // was changed: the transaction, if one was open, is rolled back).
            if let sqlite = error as? SQLiteError, sqlite.isDiskFull || sqlite.isCorrupt {
                throw ArchiveStore.translate(sqlite, path: store.path)
            }
            throw Task.isCancelled ? CancellationError() : error
        }
    }

    /// Deletes the rows a run that stops before its commit wrote ahead, whatever stopped it (a cancelled task
    /// too: this write is not cancellable). If even this fails, or the process is killed, the next run does it.
    private static func removeWrittenAhead(_ pool: DatabasePool) {
        _ = try? pool.write { try SnapshotWriter.removeUnpublished(on: $0) }
    }

    enum FetchResult<Fetched: Sendable>: Sendable {
        case model(Fetched)
        case gone(String)
    }

    /// Fetches models with at most `concurrency` requests in flight, runs `prepare` on each in the fetching task
    /// (in parallel), and hands each result to `consume` on the calling task, so the database is only ever
    /// touched from one task.
    static func fetchAll<Fetched: Sendable>(
        _ ids: [String], from source: ModelSource, concurrency: Int,
        prepare: @escaping @Sendable (CustomModel) throws -> Fetched,
        consume: (FetchResult<Fetched>) throws -> Void
    ) async throws {
        try await forEachConcurrently(ids, limit: concurrency, { id -> FetchResult<Fetched> in
            do {
                let model = try await source.getModel(id: id)
                try SnapshotWriter.checkAnswer(model, askedFor: id)
                return .model(try prepare(model))
            } catch ModelSourceError.modelGone {
                return .gone(id)
            }
        }, consume: consume)
    }
}
