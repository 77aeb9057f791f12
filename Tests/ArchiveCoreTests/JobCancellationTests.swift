import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
@testable import ArchiveCore

/// Drill, rollback and forget as jobs: their progress events and what task cancellation leaves behind.
@Suite struct JobCancellationTests {
    let dir: TempDir
    let store: ArchiveStore
    let snapshotID: Int64

    init() async throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        snapshotID = try await Snapshotter.run(store: store, source: Fixtures.standardSource()).snapshotID
    }

    typealias Events = RestoreCancellationTests.Events

    // MARK: Drill

    @Test func aDrillSendsDrillEventsAndACancelledDrillStops() async throws {
        let events = Events()
        let result = try await RestoreDrill.run(store: store, snapshot: snapshotID, target: ScriptedTarget(), progress: events.sink)
        #expect(result.status == .passed)
        #expect(events.values.allSatisfy { $0.job == "drill" })
        #expect(events.values.last?.phase == .done)

        let target = ScriptedTarget()
        target.pause(at: 2) { if case .create = $0 { true } else { false } }
        let (path, id) = (dir.path("a.sqlite"), snapshotID)
        let task = Task {
            try await RestoreDrill.run(store: try ArchiveStore(path: path, access: .read), snapshot: id, target: target, concurrency: 1)
        }
        _ = await target.paused()
        let before = target.calls.count
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(target.calls.count == before)  // nothing sent after the cancellation
        #expect(try RestoreRunSummary.all(in: store).isEmpty)  // the archive is only read
    }

    // MARK: Rollback

    /// General with its words gone and one extra entry: the rollback adds 60 entries (3 batches of 25), deletes 1.
    func drifted() async throws -> (ScriptedTarget, String, RollbackPlan) {
        let target = ScriptedTarget()
        let live = target.put(name: "General", description: "Acronyms", words: [WordEntry(word: "zzNew", translation: "new")])
        let plan = try await RollbackPlan.make(model: live, snapshot: snapshotID, store: store, client: target, batchSize: 25)
        return (target, live, plan)
    }

    @Test func rollbackEventsCountTheEntriesSent() async throws {
        let (target, live, plan) = try await drifted()
        let events = Events()
        try await plan.apply(with: target, progress: events.sink)
        let apply = events.values.filter { $0.phase == .apply }
        #expect(apply.map(\.wordsDone) == [0, 25, 50, 60, 61, 61])  // the last: the model done
        #expect(apply.allSatisfy { $0.wordsTotal == 61 && $0.modelsTotal == 1 && $0.job == "rollback" })
        #expect(events.values.last.map { [$0.modelsDone, $0.wordsDone] } == [1, 61])
        #expect(events.values.last?.phase == .done)
        #expect(try await RollbackPlan.make(model: live, snapshot: snapshotID, store: store, client: target).isEmpty)
    }

    @Test func aCancelledRollbackStopsBetweenBatchesAndTheSamePlanFinishesIt() async throws {
        let (target, live, plan) = try await drifted()
        target.resetCalls()
        target.pause(at: 2) { if case .addWords = $0 { true } else { false } }
        let task = Task { try await plan.apply(with: target) }
        _ = await target.paused()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(target.writes.count == 1)  // the first batch; no delete was sent
        #expect(target.model(live)?.words?.contains { $0.word == "zzNew" } == true)

        try await plan.apply(with: target)
        #expect(try await RollbackPlan.make(model: live, snapshot: snapshotID, store: store, client: target).isEmpty)
    }

    @Test func aRollbackCancelledAtItsFirstEventSendsNothing() async throws {
        let (target, _, plan) = try await drifted()
        target.resetCalls()
        await #expect(throws: CancellationError.self) {
            try await Task {
                try await plan.apply(with: target, progress: { _ in withUnsafeCurrentTask { $0?.cancel() } })
            }.value
        }
        #expect(target.writes.isEmpty)
    }

    // MARK: Forget

    @Test func aForgetCancelledBeforeItCommitsLeavesTheArchiveUnchanged() async throws {
        let source = Fixtures.standardSource()
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words![0].translation = "night two" }
        let second = try await Snapshotter.run(store: store, source: source).snapshotID
        func state() throws -> [Int] {
            try ["snapshots", "words", "model_versions", "model_states", "models", "sources"].map {
                try store.db.scalar("SELECT count(*) FROM \($0)", as: Int.self)
            }
        }
        let before = try state()
        let events = Events()
        let record = events.sink
        let (path, first) = (dir.path("a.sqlite"), snapshotID)
        await #expect(throws: CancellationError.self) {
            _ = try await Task {
                try ArchiveMaintenance(try ArchiveStore(path: path, access: .write)).forget([first], vacuum: true, progress: { p in
                    record(p)
                    withUnsafeCurrentTask { $0?.cancel() }  // cancelled as the forget begins
                })
            }.value
        }
        #expect(try state() == before)
        #expect(events.values.map(\.phase) == [.forget])
        #expect(try SnapshotReader(store).models(in: first).count == 3)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)

        let done = Events()
        let result = try ArchiveMaintenance(store).forget([first], vacuum: true, progress: done.sink)
        #expect(result.forgotten == [first])
        #expect(done.values.map(\.phase) == [.forget, .vacuum, .done])
        #expect(try SnapshotReader(store).models(in: second) == source.current())
    }
}
