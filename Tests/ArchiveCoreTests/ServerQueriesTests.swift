import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI

/// What the archive server reads and writes through the core: snapshots per source, and operation rows.
@Suite struct ServerQueriesTests {
    /// The same models under another service URL (a second source).
    struct Renamed: ModelSource {
        let inner: ScriptedSource
        let url: String
        var sourceDescription: SourceDescription { SourceDescription(kind: .service, url: url) }
        func listModels() async throws -> [CustomModel] { try await inner.listModels() }
        func getModel(id: String) async throws -> CustomModel { try await inner.getModel(id: id) }
    }

    @Test func latestCountsOneSourceAndListingsPage() async throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let a = Fixtures.standardSource()
        let b = Renamed(inner: Fixtures.standardSource(), url: "http://127.0.0.1:2/instances/other")
        let a1 = try await Snapshotter.run(store: store, source: a, options: SnapshotOptions(tags: ["a-first"])).snapshotID
        let b1 = try await Snapshotter.run(store: store, source: b).snapshotID
        let a2 = try await Snapshotter.run(store: store, source: a).snapshotID
        let b2 = try await Snapshotter.run(store: store, source: b).snapshotID
        let reader = SnapshotReader(store)
        let urlA = a.sourceDescription.url
        #expect(try reader.resolve(.latest(back: 0), sourceURL: urlA) == a2)
        #expect(try reader.resolve(.latest(back: 1), sourceURL: urlA) == a1)
        #expect(try reader.resolve(.latest(back: 0), sourceURL: b.url) == b2)
        #expect(try reader.resolve(.latest(back: 0), sourceURL: nil) == b2)
        #expect(try reader.resolve(.tag("a-first"), sourceURL: b.url) == a1)  // ids and tags name one snapshot anywhere
        #expect(throws: SelectorError.self) { try reader.resolve(.latest(back: 2), sourceURL: urlA) }
        #expect(throws: SelectorError.self) { try reader.resolve(.latest(back: 0), sourceURL: "http://127.0.0.1:3") }

        #expect(try reader.list(.init(), limit: 3, offset: 0).map(\.id) == [b2, a2, b1])
        #expect(try reader.list(.init(), limit: 3, offset: 3).map(\.id) == [a1])
        #expect(try reader.list(.init(sourceURL: b.url), limit: 10, offset: 0).map(\.id) == [b2, b1])
        #expect(try reader.list(.init(tag: "a-first"), limit: 10, offset: 0).map(\.id) == [a1])
        #expect(try reader.list(.init(since: "2999-01-01T00:00:00.000Z"), limit: 10, offset: 0).isEmpty)

        // Model summaries count what the models hold, without reading the words, in an older snapshot too.
        a.edit("aaaaaaaa-0000-0000-0000-000000000003") { $0.words = [WordEntry(word: "Zug", translation: "tsug")] }
        let a3 = try await Snapshotter.run(store: store, source: a).snapshotID
        for id in [a1, a3] {
            let full = try reader.models(in: id)
            let summaries = try reader.modelSummaries(in: id)
            #expect(summaries.map(\.customizationID) == full.map(\.customizationID))
            #expect(summaries.map(\.words) == full.map { $0.words?.count ?? 0 })
            #expect(summaries.map(\.prompts) == full.map { $0.prompts?.count ?? 0 })
            #expect(summaries.map(\.name) == full.map(\.name))
        }
        #expect(try reader.modelSummaries(in: a3).last?.words == 1)
    }

    @Test func operationRowsAndInterruptedOnes() throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let log = OperationLog(store)
        var running = OperationRecord(id: "op-1", kind: "restore", target: "standby", snapshot: 4, request: "{}", requestHash: "h1")
        try log.insert(running)
        #expect(throws: OperationLogError.duplicate("op-1")) { try log.insert(running) }
        running.status = .running
        running.progress = JobProgress(job: "restore", phase: .replay, modelsDone: 1, modelsTotal: 3, wordsDone: 10, wordsTotal: 30,
                                       warnings: ["model x: a name"])
        running.warnings = ["model x: a name"]
        try log.update(running)
        var done = OperationRecord(id: "op-2", kind: "snapshot", source: "prod", request: "{}", requestHash: "h2")
        try log.insert(done)
        done.status = .succeeded
        done.result = #"{"ok":true}"#
        try log.update(done)

        #expect(try log.get("op-1") == running)
        #expect(try log.list(limit: 10, offset: 0).map(\.id) == ["op-2", "op-1"])
        #expect(try log.list(.init(kind: "restore"), limit: 10, offset: 0).map(\.id) == ["op-1"])
        #expect(try log.list(.init(status: .succeeded, source: "prod"), limit: 10, offset: 0).map(\.id) == ["op-2"])

        // A restart: what was running is Failed `interrupted`; the rest is untouched.
        #expect(try log.markInterrupted() == ["op-1"])
        let after = try #require(try log.get("op-1"))
        #expect(after.status == .failed)
        #expect(after.errorCode == "interrupted")
        #expect(after.progress?.wordsDone == 10)
        #expect(try log.get("op-2") == done)
        #expect(try log.markInterrupted().isEmpty)
    }

    @Test func operationTriggersAndSyncKind() throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let log = OperationLog(store)
        let sync = OperationRecord(id: "s-1", kind: "sync", trigger: .afterSnapshot, source: "prod", target: "standby",
                                   request: "{}", requestHash: "h")
        try log.insert(sync)
        let scheduled = OperationRecord(id: "n-1", kind: "snapshot", trigger: .schedule, source: "prod", request: "{}", requestHash: "h")
        try log.insert(scheduled)
        try log.insert(OperationRecord(id: "a-1", kind: "snapshot", source: "prod", request: "{}", requestHash: "h"))
        #expect(try log.get("s-1")?.trigger == .afterSnapshot)
        #expect(try log.get("n-1")?.trigger == .schedule)
        #expect(try log.get("a-1")?.trigger == .api)
        // The CHECK still refuses a kind no job has.
        #expect(throws: (any Error).self) {
            try log.insert(OperationRecord(id: "x", kind: "export", request: "{}", requestHash: "h"))
        }
    }
}
