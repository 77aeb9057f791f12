import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// Snapshot as a job (issue 16): its progress events, task cancellation at each phase (list, fetch, the commit
/// boundary), and the rows it writes ahead of its commit for models the archive has never published, which no
/// reader sees and which a cancelled, failed or killed run leaves nothing of. Cancellation points are progress
/// events, never a clock.
@Suite struct SnapshotJobTests {
    let dir: TempDir
    let store: ArchiveStore
    typealias Events = RestoreCancellationTests.Events

    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    /// Row counts of every table a snapshot writes: the archive as any reader sees it.
    func tables() throws -> [Int] {
        try ["snapshots", "snapshot_tags", "sources", "models", "model_versions", "model_states", "words", "prompts"].map {
            try store.db.scalar("SELECT count(*) FROM \($0)", as: Int.self)
        }
    }

    /// Runs a snapshot whose sink calls `cancelAt` with each event and cancels the job when it returns true.
    func cancelled(_ source: ScriptedSource, options: SnapshotOptions = .init(), events: Events = Events(),
                   cancelAt: @escaping @Sendable (JobProgress) -> Bool) async throws {
        let path = dir.path("a.sqlite")
        let record = events.sink
        await #expect(throws: CancellationError.self) {
            _ = try await Task {
                try await Snapshotter.run(store: try ArchiveStore(path: path, access: .write), source: source, options: options,
                                          progress: { p in
                                              record(p)
                                              if cancelAt(p) { withUnsafeCurrentTask { $0?.cancel() } }
                                          })
            }.value
        }
    }

    @Test func aSnapshotReportsListFetchCommitAndDone() async throws {
        let source = Fixtures.standardSource()
        source.onGet = { id in if id.hasSuffix("3") { source.delete(id) } }
        let events = Events()
        let s = try await Snapshotter.run(store: store, source: source, options: .init(concurrency: 1), progress: events.sink)
        let values = events.values
        #expect(values.allSatisfy { $0.job == "snapshot" })
        var phases: [JobProgress.Phase] = []
        for p in values.map(\.phase) where phases.last != p { phases.append(p) }
        #expect(phases == [.list, .fetch, .commit, .done])
        let fetch = values.filter { $0.phase == .fetch }
        #expect(fetch.map(\.modelsDone) == [0, 1, 2, 3])
        #expect(fetch.allSatisfy { $0.modelsTotal == 3 })
        #expect(fetch.last?.wordsDone == 63)  // 60 and 3 words: the deleted model has none
        let last: [Int]? = values.last.map { [$0.modelsDone, $0.modelsTotal, $0.wordsDone, $0.wordsTotal] }
        #expect(last == [2, 2, 63, 63])
        #expect(values.last?.warnings == ["model aaaaaaaa-0000-0000-0000-000000000003 was deleted during the run: recorded as gone"])
        #expect(s.goneDuringRun == ["aaaaaaaa-0000-0000-0000-000000000003"])
    }

    @Test func aRefetchedModelIsAWarningAndItsRoundAFetchPhaseOfItsOwn() async throws {
        let source = Fixtures.standardSource()
        var edited = false
        source.onGet = { id in
            if id.hasSuffix("2"), !edited {
                edited = true
                source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words![1].translation = "changed mid-run" }
            }
        }
        let events = Events()
        _ = try await Snapshotter.run(store: store, source: source, options: .init(concurrency: 1), progress: events.sink)
        let fetch = events.values.filter { $0.phase == .fetch }
        // The second round begins with model 1 to do again, and ends with the three done.
        let counts: [[Int]] = fetch.map { [$0.modelsDone, $0.modelsTotal] }
        #expect(counts == [[0, 3], [1, 3], [2, 3], [3, 3], [2, 3], [3, 3]])
        #expect(events.values.last?.warnings == ["model aaaaaaaa-0000-0000-0000-000000000001 changed during the run: fetched again"])
    }

    @Test func aSnapshotCancelledWhileListingRecordsNothing() async throws {
        let source = Fixtures.standardSource()
        try await cancelled(source) { $0.phase == .list }
        #expect(source.getCalls == 0)
        #expect(try tables() == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// Models of 2,000 words: written ahead of the commit. Cancelled once the first is written.
    @Test func aSnapshotCancelledWhileFetchingRecordsNothingAndDeletesWhatItWroteAhead() async throws {
        let first = try await Snapshotter.run(store: store, source: Fixtures.standardSource())
        let before = try tables()
        let source = Fixtures.largeSource(models: 3, words: 2000)
        try await cancelled(source, options: .init(concurrency: 1)) { $0.phase == .fetch && $0.modelsDone == 1 }
        #expect(source.getCalls < 3)
        #expect(try tables() == before)
        #expect(try SnapshotReader(store).all().map(\.id) == [first.snapshotID])
        let next = try await Snapshotter.run(store: store, source: source)
        #expect(next.snapshotID == first.snapshotID + 1)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    @Test func aSnapshotCancelledAtTheCommitBoundaryRecordsNothing() async throws {
        let source = Fixtures.largeSource(models: 2, words: 2000)
        try await cancelled(source) { $0.phase == .commit }
        #expect(source.getCalls == 2)
        #expect(try tables() == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// The first snapshot's words go into the archive while it fetches (so writing overlaps fetching), in
    /// committed transactions that no reader reaches: no snapshot listed, check clean, nothing in any view.
    @Test func wordsWrittenAheadAreInTheFileButInvisibleUntilTheCommit() async throws {
        let source = Fixtures.largeSource(models: 3, words: 2000)
        let path = dir.path("a.sqlite")
        final class Seen: @unchecked Sendable { var rows = -1, snapshots = -1, viewRows = -1, problems = -1 }
        let seen = Seen()
        let s = try await Snapshotter.run(store: store, source: source, options: .init(concurrency: 1), progress: { p in
            guard p.phase == .fetch, p.modelsDone == 2, seen.rows < 0 else { return }
            // Another connection, as another process would read.
            guard let reader = try? ArchiveStore(path: path, access: .read) else { return }
            seen.rows = (try? reader.db.scalar("SELECT count(*) FROM words", as: Int.self)) ?? -1
            seen.snapshots = (try? SnapshotReader(reader).all().count) ?? -1
            seen.viewRows = (try? reader.db.scalar("SELECT count(*) FROM snapshot_words", as: Int.self)) ?? -1
            seen.problems = (try? ArchiveChecker(reader).run().problems.count) ?? -1
        })
        #expect(seen.rows >= 4000)  // two models' words are in the file
        #expect(seen.snapshots == 0 && seen.viewRows == 0 && seen.problems == 0)
        let archived = try SnapshotReader(store).models(in: s.snapshotID)
        #expect(archived == source.current())
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    /// A killed run's rows (written ahead, never published) are invisible, and the next run deletes them before
    /// it reserves the same snapshot id.
    @Test func rowsAKilledRunWroteAheadAreDeletedByTheNextRun() async throws {
        let first = try await Snapshotter.run(store: store, source: Fixtures.standardSource())
        let before = try tables()
        let orphan = CustomModel(customizationID: "dddddddd-0000-0000-0000-000000000001", name: "Orphan", language: "en-US",
                                 words: Fixtures.words(1500))
        let orphanSource = SourceDescription(kind: .service, url: "http://127.0.0.1:1/instances/killed")
        try await store.pool.write { db in  // as a run killed after writing one model ahead
            var plan = try SnapshotWriter.plan(try SnapshotWriter.Prepared(orphan), sourceID: nil, on: db)
            _ = try SnapshotWriter.writeAhead(&plan, source: orphanSource, snapshotID: try SnapshotWriter.reserveID(on: db), on: db)
        }
        #expect(try tables()[6] == before[6] + 1500)
        #expect(try SnapshotReader(store).all().map(\.id) == [first.snapshotID])
        #expect(try ArchiveChecker(store).run().problems.isEmpty)

        let source = Fixtures.standardSource()
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words![0].translation = "night two" }
        let next = try await Snapshotter.run(store: store, source: source)
        #expect(next.snapshotID == first.snapshotID + 1)
        #expect(Array(try tables()[2...6]) == [before[2], before[3], before[4], before[5] + 1, before[6] + 1])
        #expect(try SnapshotReader(store).models(in: next.snapshotID) == source.current())
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    @Test func aFailedRunDeletesWhatItWroteAhead() async throws {
        let source = Fixtures.largeSource(models: 3, words: 2000)
        source.failGet = ["cccccccc-0000-0000-0000-000000000003"]
        await #expect(throws: ScriptedSource.Failure.self) {
            try await Snapshotter.run(store: store, source: source, options: .init(concurrency: 1))
        }
        #expect(try tables() == [0, 0, 0, 0, 0, 0, 0, 0])
    }
}
