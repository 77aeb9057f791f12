import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI

/// What the server's scheduler and metrics read through the core (issue 19): pauses, the newest snapshot of each
/// source, operation summaries, and retention limited to one source.
@Suite struct ScheduleRowsTests {
    @Test func retentionOfOneSourceLeavesTheOthersAlone() async throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let a = Fixtures.standardSource()
        let b = ServerQueriesTests.Renamed(inner: Fixtures.standardSource(), url: "http://127.0.0.1:2/instances/other")
        var ids: [Int64] = []
        for _ in 0..<3 {
            ids.append(try await Snapshotter.run(store: store, source: a).snapshotID)
            ids.append(try await Snapshotter.run(store: store, source: b).snapshotID)
        }
        var policy = RetentionPolicy()
        policy.last = 1
        let maintenance = ArchiveMaintenance(store)
        let plan = try maintenance.plan(policy, sourceURL: b.url)
        #expect(plan.map(\.snapshot).sorted() == [ids[1], ids[3], ids[5]])  // b's only
        #expect(plan.filter(\.keep).map(\.snapshot) == [ids[5]])
        // A kept tag still to come is no typo here.
        policy.tags = ["release"]
        #expect(throws: RetentionError.self) { try maintenance.plan(policy, sourceURL: b.url) }
        #expect(try maintenance.plan(policy, sourceURL: b.url, unknownTagsAllowed: true).filter(\.keep).count == 1)

        let rows = ScheduleRows(store)
        let latest = try rows.latestSnapshots()
        #expect(latest[a.sourceDescription.url]?.id == ids[4])
        #expect(latest[b.url]?.id == ids[5])
        #expect(latest[b.url]?.models == 3)
    }

    @Test func pausesAreRowsAndARepeatedPauseKeepsItsTime() throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let rows = ScheduleRows(store)
        #expect(try rows.pauses().isEmpty)
        #expect(try rows.pause("prod", at: "2026-12-04T10:00:00.000Z") == "2026-12-04T10:00:00.000Z")
        #expect(try rows.pause("prod", at: "2026-12-04T11:00:00.000Z") == "2026-12-04T10:00:00.000Z")
        let reopened = ScheduleRows(try ArchiveStore(path: dir.path("a.sqlite"), access: .read))
        #expect(try reopened.pauses() == ["prod": "2026-12-04T10:00:00.000Z"])
        try rows.resume("prod")
        #expect(try reopened.pauses().isEmpty)
    }

    @Test func operationSummariesGiveTheNewestEndAndTheNewestSuccess() throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let log = OperationLog(store)
        func op(_ id: String, _ kind: String, _ status: OperationRecord.Status, at: String, source: String? = "prod",
                target: String? = nil, code: String? = nil) throws {
            var o = OperationRecord(id: id, kind: kind, source: source, target: target, createdAt: at, request: "{}", requestHash: id)
            try log.insert(o)
            o.status = status
            o.lastActionAt = at
            o.errorCode = code
            try log.update(o)
        }
        try op("1", "snapshot", .succeeded, at: "2026-12-01T02:00:00.000Z")
        try op("2", "snapshot", .failed, at: "2026-12-02T02:00:00.000Z", code: "service_unavailable")
        try op("3", "restore", .succeeded, at: "2026-12-02T03:00:00.000Z", target: "standby")
        let s = try ScheduleRows(store).operationSummaries()
        let snapshot = try #require(s.first { $0.kind == "snapshot" })
        #expect(snapshot.name == "prod" && snapshot.lastStatus == "Failed" && snapshot.lastID == "2")
        #expect(snapshot.lastErrorCode == "service_unavailable")
        #expect(snapshot.lastSuccessAt == "2026-12-01T02:00:00.000Z")
        let restore = try #require(s.first { $0.kind == "restore" })
        #expect(restore.name == "standby" && restore.lastSuccessAt == "2026-12-02T03:00:00.000Z")
    }
}
