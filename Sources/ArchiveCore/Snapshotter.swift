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

public struct SnapshotProgress: Sendable {
    public var modelsDone: Int
    public var modelsTotal: Int
    public var words: Int
}

/// Takes a snapshot: lists the source's models, fetches each with bounded concurrency, compares each with the
/// archive as it arrives (in a read transaction: other writers go on), and commits the whole snapshot in one short
/// write transaction once everything is consistent. No write transaction is open while the service is asked: tags,
/// restore journals and other writers proceed meanwhile. Any failure or cancellation before the commit leaves the
/// archive exactly as it was.
public enum Snapshotter {
    public static func run(
        store: ArchiveStore, source: ModelSource, options: SnapshotOptions = .init(),
        progress: (@Sendable (SnapshotProgress) -> Void)? = nil
    ) async throws -> SnapshotSummary {
        let pool = store.pool
        let startedAt = Timestamp.now()
        var requests = 1
        let everyModel = try await source.listModels()
        try options.filter.check(everyModel, in: source.sourceDescription.kind == .service ? "on the service" : "in \(source.sourceDescription.url)")
        var listed = everyModel.filter(options.filter.matches)

        do {
            var description = source.sourceDescription
            description.scope = options.filter.scope
            let sourceID = try pool.readOnWriter { try SnapshotWriter.existingSource(description, on: $0) }
            let stage = try SnapshotStage()
            // What each fetched model will write; words to add beyond a few are staged, not held.
            var plans: [String: (plan: SnapshotWriter.Plan, staged: Bool)] = [:]
            var fetchedLastModified: [String: String?] = [:]
            var goneCandidates: Set<String> = []
            var refetched: Set<String> = []
            var wordsSoFar = 0
            var toFetch = listed.map(\.customizationID)
            var total = toFetch.count
            func forget(_ id: String) throws {
                if plans.removeValue(forKey: id)?.staged == true { try stage.remove(id) }
            }

            for round in 0...options.consistencyRounds {
                for id in toFetch { try SnapshotWriter.checkID(id) }  // before any request: a listed id that is no GUID
                if !toFetch.isEmpty {
                    try await fetchAll(toFetch, from: source, concurrency: options.concurrency, prepare: SnapshotWriter.Prepared.init) { result in
                        requests += 1
                        switch result {
                        case .model(let prepared):
                            let model = prepared.model
                            try forget(model.customizationID)
                            // Read on the writer connection (one map and cache of the file for the run), in a read
                            // transaction: SQLite's write lock stays free.
                            var plan = try pool.readOnWriter { try SnapshotWriter.plan(prepared, sourceID: sourceID, on: $0) }
                            let staged = plan.insertWords.count > SnapshotStage.inMemoryLimit
                            if staged {
                                try stage.stage(model.customizationID, plan.insertWords)
                                plan.insertWords = []
                            }
                            plans[model.customizationID] = (plan, staged)
                            fetchedLastModified[model.customizationID] = model.lastModified
                            wordsSoFar += prepared.words.count
                        case .gone(let id):
                            try forget(id)
                            fetchedLastModified[id] = nil
                            goneCandidates.insert(id)
                        }
                        progress?(SnapshotProgress(modelsDone: fetchedLastModified.count + goneCandidates.count, modelsTotal: total, words: wordsSoFar))
                    }
                }
                // Re-list: what changed, appeared or vanished while we were fetching?
                listed = try await source.listModels().filter(options.filter.matches)
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
                total = fetchedLastModified.count + toFetch.count + goneCandidates.count
                if toFetch.isEmpty { break }
                if round == options.consistencyRounds {
                    // Still changing after every round: record what we have, note what moved.
                    break
                }
            }

            // The one write transaction: everything fetched, nothing awaited inside. Rolled back on any error,
            // and when the task was cancelled.
            let (record, writer) = try await pool.write { db in
                let writer = try SnapshotWriter(db: db, source: description, startedAt: startedAt, note: options.note)
                for id in plans.keys.sorted() {
                    let (plan, staged) = plans[id]!
                    try writer.apply(plan, words: staged ? try stage.words(id) : plan.insertWords)
                }
                _ = try writer.finish(finishedAt: Timestamp.now())
                for tag in options.tags {
                    try db.run("INSERT OR IGNORE INTO snapshot_tags (snapshot, tag) VALUES (?, ?)", writer.snapshotID, tag)
                }
                guard let record = try SnapshotReader(db: db).snapshot(writer.snapshotID) else {
                    throw SQLiteError(code: 1, message: "snapshot \(writer.snapshotID) vanished before commit")
                }
                return (record, writer)
            }
            let healed = writer.stats.filter { $0.value.rowsHealed > 0 }.keys.sorted().map { id in
                SnapshotSummary.HealedModel(customizationID: id, name: writer.names[id] ?? nil, rows: writer.stats[id]!.rowsHealed)
            }
            return SnapshotSummary(snapshot: record, goneDuringRun: goneCandidates.sorted(), refetched: refetched.sorted(),
                                   requests: requests, healed: healed)
        } catch {
            // A full disk or a damaged page is the archive's condition, not a SQL detail: name the file (nothing
            // was changed: the transaction, if one was open, is rolled back).
            if let sqlite = error as? SQLiteError, sqlite.isDiskFull || sqlite.isCorrupt {
                throw ArchiveStore.translate(sqlite, path: store.path)
            }
            throw error
        }
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
