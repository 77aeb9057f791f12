@testable import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSEmulator

/// Issue 16 part 3: no write transaction spans a network call. While a snapshot waits on the service, other
/// writers (another process, another task of this one) commit; the snapshot still commits all or nothing.
@Suite struct ConcurrentWriterTests {
    @Test func otherWritersCommitWhileASnapshotWaitsOnTheService() async throws {
        try await Live.with { live in
            // The snapshot has models fetched and waits on the 4th get-model.
            let (first, hold, running) = try await live.snapshotHeldMidFetch(GeneratorSpec(models: 6, words: 300, seed: 3), night: 1,
                                                                             skip: 3, concurrency: 2)
            let store = live.store
            let other = try ArchiveStore(path: store.path, access: .write)
            do {
                // Another process's connection tags the first snapshot (SQLITE_BUSY here if the snapshot held
                // the write lock), then a task of this process writes through the same store.
                try ArchiveMaintenance(other).addTags(["other-process"], to: first.snapshotID)
                try await store.pool.write { db in
                    try db.run("INSERT INTO snapshot_tags (snapshot, tag) VALUES (?, 'same-process')", first.snapshotID)
                }
            } catch {
                Issue.record("a writer could not commit while the snapshot waited on the service: \(error)")
            }
            #expect(try SnapshotReader(other).snapshot(first.snapshotID)?.tags == ["other-process", "same-process"])
            #expect(try SnapshotReader(other).all().count == 1)  // nothing of the running snapshot is visible yet
            await hold.release()  // in every case: the service's stop waits for held requests
            let second = try await running.value
            let snapshots = try SnapshotReader(other).all()
            #expect(snapshots.map(\.id) == [first.snapshotID, second.snapshotID])
            #expect(try SnapshotReader(store).models(in: second.snapshotID) == (try await live.current()))
            #expect(try ArchiveChecker(other).run().problems.isEmpty)
        }
    }

    @Test func aSnapshotCancelledWhileWaitingOnTheServiceWritesNothing() async throws {
        try await Live.with { live in
            let (first, hold, running) = try await live.snapshotHeldMidFetch(GeneratorSpec(models: 6, words: 300, seed: 4), night: 2,
                                                                             skip: 3, concurrency: 2)
            let store = live.store
            running.cancel()
            await hold.release()
            await #expect(throws: (any Error).self) { _ = try await running.value }
            #expect(try SnapshotReader(store).all().map(\.id) == [first.snapshotID])
            #expect(try ArchiveChecker(store).run().problems.isEmpty)
        }
    }
}
