import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
@testable import ArchiveCore

/// ``Syncer`` against a scripted target: the first sync is a restore that pairs the models, later ones send only
/// the difference (and exactly the requests the bound names), refuse drift, and resume without creating twice.
@Suite struct SyncTests {
    let dir: TempDir
    let store: ArchiveStore
    let source = ScriptedSource()
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    static func id(_ n: Int) -> String { String(format: "aaaaaaaa-0000-0000-0000-%012d", n) }

    func put(_ n: Int, _ name: String, language: String = "en-US", description: String = "", words: [WordEntry]) {
        source.put(CustomModel(customizationID: Self.id(n), name: name, language: language, description: description,
                               words: words.sorted { WordEntry.serviceOrder($0.word, $1.word) }))
    }

    func snapshot() async throws -> Int64 { try await Snapshotter.run(store: store, source: source).snapshotID }

    func sync(_ snapshot: Int64, _ target: ScriptedTarget, _ options: SyncOptions = SyncOptions(batchSize: 4),
              verify: SyncVerify = .touched) async throws -> SyncReport {
        try await Syncer(store: store, client: target, concurrency: 1, verify: verify).run(snapshot: snapshot, options: options)
    }

    var pairing: SyncPairing? { get throws { try SyncPairing.load(target: ScriptedTarget().serviceURL, in: store) } }
    /// ``pairing`` in an expectation (nil when it cannot be read).
    var stored: SyncPairing? { (try? pairing) ?? nil }

    /// The target equals the snapshot through the pairing (prompts apart), and the pairing is at that snapshot.
    func expectInStep(_ target: ScriptedTarget, snapshot: Int64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pairing = try #require(try self.pairing, sourceLocation: sourceLocation)
        #expect(pairing.snapshot == snapshot, sourceLocation: sourceLocation)
        let live = target.modelIDs.compactMap(target.model)
        let d = try SnapshotDiff(store).against(snapshot, live: live, pairing: pairing, liveLabel: "target", snapshotFirst: true, filter: .init())
        #expect(d.models.isEmpty, "\(d.models.map { "\($0.change) \($0.name ?? "") \($0.metadata) \(Array($0.words))" })",
                sourceLocation: sourceLocation)
    }

    static func count(_ calls: [ScriptedTarget.Call], _ kind: (ScriptedTarget.Call) -> Bool) -> Int { calls.filter(kind).count }

    /// Five models synced once: A (40 words), B (removed next), C (renamed next), D (re-described, one word
    /// added), E (deleted and re-created with the same name next).
    func firstNight(_ target: ScriptedTarget) async throws -> Int64 {
        put(1, "A", words: Fixtures.words(40, prefix: "a"))
        put(2, "B", words: Fixtures.words(6, prefix: "b"))
        put(3, "C", words: Fixtures.words(5, prefix: "c"))
        put(4, "D", description: "old", words: Fixtures.words(5, prefix: "d"))
        put(5, "E", words: Fixtures.words(5, prefix: "e"))
        let s1 = try await snapshot()
        let first = try await sync(s1, target)
        #expect(first.restore != nil && first.status == .complete)
        #expect(first.verification?.differences.summary.isEmpty == true)
        return s1
    }

    @Test func aFirstSyncIsARestoreThatPairsEveryModel() async throws {
        let target = ScriptedTarget()
        let s1 = try await firstNight(target)
        #expect(target.creates == 5)
        let pairing = try #require(try self.pairing)
        #expect(pairing.snapshot == s1 && pairing.paired.count == 5 && Set(pairing.paired.values) == Set(target.modelIDs))
        #expect(pairing.restoreRun != nil)
        try expectInStep(target, snapshot: s1)
        // Syncing the same snapshot again sends nothing: the list only.
        target.resetCalls()
        let again = try await sync(s1, target)
        #expect(again.models.isEmpty && again.status == .complete)
        #expect(target.calls == [.list])
    }

    @Test func aLaterSyncSendsEveryKindOfChangeWithTheRequestsOfTheBound() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        let before = try #require(try self.pairing).paired
        // The night: A gets 5 words added, 3 changed, 2 deleted; B removed; C renamed; D re-described and a word
        // added; E deleted and re-created with the same name (a new customization id); F added with 9 words.
        source.edit(Self.id(1)) { m in
            var words = m.words!.filter { $0.word != "a0" && $0.word != "a1" }
            for i in 2..<5 { words[words.firstIndex { $0.word == "a\(i)" }!].translation = "changed \(i)" }
            words += Fixtures.words(5, prefix: "new")
            m.words = words.sorted { WordEntry.serviceOrder($0.word, $1.word) }
        }
        source.delete(Self.id(2))
        source.edit(Self.id(3)) { $0.name = "C renamed" }
        source.edit(Self.id(4)) { m in
            m.description = "new"
            m.words = (m.words! + [WordEntry(word: "d9", translation: "nine")]).sorted { WordEntry.serviceOrder($0.word, $1.word) }
        }
        source.delete(Self.id(5))
        put(6, "E", words: Fixtures.words(7, prefix: "E"))
        put(7, "F", words: Fixtures.words(9, prefix: "f"))
        let s2 = try await snapshot()

        let plan = try await Syncer(store: store, client: target).plan(snapshot: s2, options: SyncOptions(batchSize: 4))
        #expect(plan.drift.models.isEmpty)
        target.resetCalls()
        let report = try await sync(s2, target)
        #expect(report.status == .complete, "\(report.models.map { "\($0.sourceID) \($0.status) \($0.message ?? "")" })")
        #expect(report.verification?.differences.summary.isEmpty == true)
        try expectInStep(target, snapshot: s2)

        let writes = target.writes
        let twin = { (n: Int) in before[Self.id(n)]! }
        // A: 8 entries in 2 batches of 4, then 2 deletes.
        #expect(Self.count(writes) { if case .addWords(twin(1), _) = $0 { true } else { false } } == 2)
        #expect(Self.count(writes) { if case .deleteWord(twin(1), _) = $0 { true } else { false } } == 2)
        // B: one delete; C: one update (metadata alone); D: one update carrying the description and the word.
        #expect(writes.contains(.deleteModel(id: twin(2))))
        #expect(Self.count(writes) { $0 == .update(id: twin(3), name: "C renamed", description: nil) } == 1)
        #expect(Self.count(writes) { $0 == .update(id: twin(4), name: nil, description: "new") } == 1)
        #expect(!writes.contains { if case .addWords(twin(4), _) = $0 { true } else { false } })
        #expect(target.updateWords == 1)
        // E: the old twin deleted, a new one created with its 7 words (2 batches); F: created with 9 (3 batches).
        #expect(writes.contains(.deleteModel(id: twin(5))))
        #expect(target.creates == 2)
        // Exactly the bound: 1 list + the writes + one verify read per touched model (A, C, D, new E, F).
        #expect(plan.requests == 2 + 2 + 1 + 1 + 1 + 1 + (1 + 2) + (1 + 3))
        #expect(writes.count == plan.requests && report.requests == plan.requests)
        #expect(plan.verifyReads == 5 && plan.totalRequests == 1 + plan.requests + 5)
        #expect(target.calls.count == plan.totalRequests)
        #expect(plan.entriesSent == 8 + 1 + 7 + 9 && plan.wordsDeleted == 2)
        // Surviving models keep their twins.
        let after = try #require(try self.pairing).paired
        for n in [1, 3, 4] { #expect(after[Self.id(n)] == twin(n)) }
        #expect(after[Self.id(2)] == nil && after[Self.id(5)] == nil && after.count == 5)
        #expect(!target.modelIDs.contains(twin(2)) && !target.modelIDs.contains(twin(5)))
    }

    @Test func aModelWhoseLanguageChangedIsReplacedByANewTwin() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        let old = try #require(try self.pairing?.paired[Self.id(3)])
        source.edit(Self.id(3)) { $0.language = "en-GB" }
        let s2 = try await snapshot()
        target.resetCalls()
        let report = try await sync(s2, target)
        #expect(report.status == .complete && report.models.map(\.action) == [.replace])
        #expect(target.writes.first == .deleteModel(id: old) && target.creates == 1)
        let twin = try #require(stored?.paired[Self.id(3)])
        #expect(twin != old && target.model(twin)?.language == "en-GB")
        try expectInStep(target, snapshot: s2)
    }

    @Test func keepRemovedLeavesTheTwinWhichIsNotDriftAfterwards() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        let twinB = try #require(try self.pairing?.paired[Self.id(2)])
        source.delete(Self.id(2))
        let s2 = try await snapshot()
        target.resetCalls()
        let report = try await sync(s2, target, SyncOptions(batchSize: 4, keepRemoved: true))
        #expect(report.status == .complete && report.models.map(\.action) == [.keep])
        #expect(target.writes.isEmpty && target.modelIDs.contains(twinB))
        #expect(stored?.kept == [Self.id(2): twinB])
        source.edit(Self.id(3)) { $0.name = "C2" }
        let s3 = try await snapshot()
        let next = try await sync(s3, target)
        #expect(next.status == .complete && next.drift == nil)
        try expectInStep(target, snapshot: s3)
    }

    @Test func driftOnTheTargetRefusesTheRunAndWritesNothing() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        let before = try #require(try self.pairing)
        source.edit(Self.id(1)) { m in m.words = (m.words! + [WordEntry(word: "zz", translation: "zz")]).sorted { WordEntry.serviceOrder($0.word, $1.word) } }
        let s2 = try await snapshot()
        // Someone renames C's twin, deletes D's and adds a model of their own, directly on the standby.
        target.edit(before.paired[Self.id(3)]!, name: "C by hand")
        target.remove(before.paired[Self.id(4)]!)
        let own = target.put(name: "Someone's own", words: [WordEntry(word: "x", translation: "y")])
        target.resetCalls()
        let error = await #expect(throws: SyncError.self) { try await sync(s2, target) }
        guard case .drift(let drift)? = error else { Issue.record("not drift: \(String(describing: error))"); return }
        #expect(drift.summary.modelsChanged == 1 && drift.summary.modelsRemoved == 1 && drift.summary.modelsAdded == 1)
        #expect(drift.models.first { $0.change == .changed }?.metadata == [FieldChange(field: "name", old: "C", new: "C by hand")])
        #expect(drift.models.first { $0.change == .removed }?.wordCounts.removed == 5)
        #expect(drift.models.first { $0.change == .added }?.toCustomizationID == own)
        #expect(target.writes.isEmpty)
        #expect(stored == before)
        #expect(try store.db.scalar("SELECT count(*) FROM sync_runs", as: Int.self) == 0)

        // Forced: the renamed twin gets its name back, the deleted one is created again, the foreign model stays.
        let forced = try await sync(s2, target, SyncOptions(batchSize: 4, force: true))
        #expect(forced.status == .complete && forced.drift?.models.count == 3)
        #expect(forced.verification?.differences.summary.isEmpty == true)
        #expect(target.modelIDs.contains(own))
        let after = try #require(try self.pairing)
        #expect(after.paired[Self.id(3)] == before.paired[Self.id(3)])
        #expect(after.paired[Self.id(4)] != before.paired[Self.id(4)])
        #expect(target.model(after.paired[Self.id(3)]!)?.name == "C")
        target.remove(own)
        try expectInStep(target, snapshot: s2)
    }

    @Test func checkDriftFindsWordsEditedOnTheTargetAndForceRepairsThemExactly() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        let twinA = try #require(try self.pairing?.paired[Self.id(1)])
        source.edit(Self.id(1)) { m in m.words = (m.words! + [WordEntry(word: "zz", translation: "zz")]).sorted { WordEntry.serviceOrder($0.word, $1.word) } }
        let s2 = try await snapshot()
        target.edit(twinA, words: [WordEntry(word: "a3", translation: "by hand"), WordEntry(word: "extra", translation: "by hand")],
                    deleting: ["a7"])
        // The list shows nothing: without --check-drift the run would go ahead. With it, A's words are drift.
        let plain = try await Syncer(store: store, client: target).plan(snapshot: s2, options: SyncOptions())
        #expect(plain.drift.models.isEmpty)
        target.resetCalls()
        let error = await #expect(throws: SyncError.self) { try await sync(s2, target, SyncOptions(batchSize: 4, checkDrift: true)) }
        guard case .drift(let drift)? = error else { Issue.record("not drift"); return }
        #expect(drift.models.count == 1 && drift.summary.wordsAdded == 1 && drift.summary.wordsRemoved == 1 && drift.summary.wordsChanged == 1)
        #expect(target.writes.isEmpty && target.calls == [.list, .get(id: twinA)])

        let forced = try await sync(s2, target, SyncOptions(batchSize: 4, force: true, checkDrift: true))
        #expect(forced.status == .complete && forced.verification?.differences.summary.isEmpty == true)
        // Exactly what differs: zz and a3 and a7 added or overwritten, extra deleted.
        #expect(forced.models.map(\.added) == [3] && forced.models.map(\.deleted) == [1])
        try expectInStep(target, snapshot: s2)
    }

    @Test func aCancelledSyncResumesWithoutCreatingAnyModelTwice() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        source.edit(Self.id(1)) { m in m.words = (m.words! + Fixtures.words(12, prefix: "n")).sorted { WordEntry.serviceOrder($0.word, $1.word) } }
        put(7, "F", words: Fixtures.words(9, prefix: "f"))
        put(8, "G", words: Fixtures.words(3, prefix: "g"))
        let s2 = try await snapshot()
        // Held at the second add-words of A (the steps run in source id order, one at a time).
        target.pause(at: 2) { if case .addWords = $0 { true } else { false } }
        let syncer = Syncer(store: store, client: target, concurrency: 1)
        let task = Task { try await syncer.run(snapshot: s2, options: SyncOptions(batchSize: 4)) }
        _ = await target.paused()
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(try store.db.scalar("SELECT status FROM sync_runs", as: String.self) == "cancelled")
        #expect(stored?.snapshot != s2)

        // Then held at the create of G, after F was created: cancelled again.
        target.pause(at: 2) { if case .create = $0 { true } else { false } }
        let second = Task { try await syncer.run(snapshot: s2, options: SyncOptions(batchSize: 4)) }
        _ = await target.paused()
        second.cancel()
        await #expect(throws: CancellationError.self) { _ = try await second.value }

        target.resetCalls()
        let report = try await sync(s2, target)
        #expect(report.resumed && report.status == .complete)
        #expect(target.creates == 1)  // G only: F's id was journaled
        #expect(target.modelIDs.count == 7)
        #expect(try store.db.scalar("SELECT count(*) FROM sync_runs", as: Int.self) == 1)
        try expectInStep(target, snapshot: s2)
    }

    @Test func aCreateWhoseIdWasNeverStoredIsAdoptedOnResume() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        put(7, "F", description: "added", words: Fixtures.words(6, prefix: "f"))
        let s2 = try await snapshot()
        // F is created, then every add-words fails: the run stops after the create.
        target.wordRequestsAllowed = 0
        let failed = try await sync(s2, target)
        #expect(failed.status == .failed)
        let created = try #require(failed.models.first { $0.sourceID == Self.id(7) }?.targetID)
        // As if killed between the POST and storing its answer: the id forgotten, the row `creating`.
        try store.db.run("UPDATE sync_steps SET target_id = NULL, status = 'creating' WHERE source_id = ?", Self.id(7))
        target.wordRequestsAllowed = .max
        target.resetCalls()
        let resumed = try await sync(s2, target)
        #expect(resumed.status == .complete && target.creates == 0)
        #expect(stored?.paired[Self.id(7)] == created)
        try expectInStep(target, snapshot: s2)
    }

    @Test func aFailedRunMustFinishBeforeAnotherSnapshotIsSynced() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        source.edit(Self.id(1)) { m in m.words = (m.words! + Fixtures.words(3, prefix: "n")).sorted { WordEntry.serviceOrder($0.word, $1.word) } }
        let s2 = try await snapshot()
        target.wordRequestsAllowed = 0
        let failed = try await sync(s2, target)
        #expect(failed.status == .failed && failed.models[0].message?.contains("500") == true)
        #expect(stored?.snapshot != s2)
        source.edit(Self.id(3)) { $0.name = "C3" }
        let s3 = try await snapshot()
        target.wordRequestsAllowed = .max
        await #expect(throws: SyncError.unfinishedRun(failed.runID!, snapshot: s2, asked: s3)) { try await sync(s3, target) }
        // A dry run shows what the resumed run has left, and no drift (the failed run's own writes are not drift).
        let plan = try await Syncer(store: store, client: target).plan(snapshot: s2, options: .init())
        #expect(plan.resumes == failed.runID && plan.drift.models.isEmpty && plan.steps.map(\.sourceID) == [Self.id(1)])
        let resumed = try await sync(s2, target)
        #expect(resumed.resumed && resumed.status == .complete && resumed.runID == failed.runID)
        let next = try await sync(s3, target)
        #expect(next.status == .complete)
        try expectInStep(target, snapshot: s3)
    }

    @Test func aRestoreRunOnItsOwnPairsTheTargetForTheNextSync() async throws {
        let target = ScriptedTarget()
        put(1, "A", words: Fixtures.words(10, prefix: "a"))
        let s1 = try await snapshot()
        let restored = try await Restorer(store: store, client: target).run(snapshot: s1, options: RestoreOptions())
        source.edit(Self.id(1)) { $0.name = "A2" }
        let s2 = try await snapshot()
        target.resetCalls()
        let report = try await sync(s2, target)
        #expect(report.status == .complete && target.creates == 0)
        #expect(stored?.restoreRun == restored.runID)
        try expectInStep(target, snapshot: s2)
    }

    @Test func aFirstSyncIntoATargetWithModelsIsRefused() async throws {
        let target = ScriptedTarget()
        target.put(name: "already there")
        put(1, "A", words: Fixtures.words(3))
        let s1 = try await snapshot()
        await #expect(throws: SyncError.targetNotEmpty(target: target.serviceURL, models: 1)) { try await sync(s1, target) }
        #expect(target.writes.isEmpty && stored == nil)
    }

    /// A run held at its verification's first read is what a kill there leaves: it must not say `complete`. Cancelled
    /// there, it is resumable; the next run sends nothing again and verifies.
    @Test func aRunStoppedDuringItsVerifyIsNotCompleteAndTheNextRunVerifies() async throws {
        let target = ScriptedTarget()
        _ = try await firstNight(target)
        source.edit(Self.id(3)) { $0.name = "C2" }
        source.edit(Self.id(1)) { m in m.words = (m.words! + Fixtures.words(3, prefix: "n")).sorted { WordEntry.serviceOrder($0.word, $1.word) } }
        let s2 = try await snapshot()
        target.pause(at: 1) { if case .get = $0 { true } else { false } }
        let syncer = Syncer(store: store, client: target, concurrency: 1)
        let task = Task { try await syncer.run(snapshot: s2, options: SyncOptions(batchSize: 4)) }
        _ = await target.paused()
        // What a SIGKILL here leaves: every step done, the run unfinished.
        #expect(try store.db.scalar("SELECT status FROM sync_runs", as: String.self) == "running")
        #expect(try store.db.scalar("SELECT finished_at IS NULL FROM sync_runs", as: Bool.self))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(try store.db.scalar("SELECT status FROM sync_runs", as: String.self) == "cancelled")

        target.resetCalls()
        let report = try await sync(s2, target)
        #expect(report.resumed && report.status == .complete)
        #expect(report.verification?.models == 2 && report.verification?.differences.summary.isEmpty == true)
        #expect(target.writes.isEmpty)  // nothing sent twice
        #expect(try store.db.scalar("SELECT status FROM sync_runs", as: String.self) == "complete")
        try expectInStep(target, snapshot: s2)
    }

    /// Retention keeps the snapshot a target was last synced to, saying why; naming it to be forgotten is refused
    /// unless forced.
    @Test func forgetKeepsTheSnapshotATargetWasLastSyncedTo() async throws {
        let target = ScriptedTarget()
        let s1 = try await firstNight(target)
        source.edit(Self.id(3)) { $0.name = "C2" }
        let s2 = try await snapshot()
        source.edit(Self.id(3)) { $0.name = "C3" }
        let s3 = try await snapshot()
        var policy = RetentionPolicy()
        policy.last = 1
        let maintenance = ArchiveMaintenance(store)
        let plan = try maintenance.plan(policy)
        #expect(plan.filter(\.keep).map(\.snapshot) == [s3, s1])
        #expect(plan.first { $0.snapshot == s1 }?.reasons == ["last synced to \(target.serviceURL)"])
        #expect(plan.first { $0.snapshot == s2 }?.keep == false)
        // Even with allowEmpty (the rules keep nothing of the lineage), the synced snapshot stays.
        var none = RetentionPolicy()
        none.tags = ["first"]
        try ArchiveMaintenance(store).addTags(["first"], to: s2)
        #expect(try maintenance.plan(none, allowEmpty: true).filter(\.keep).map(\.snapshot).sorted() == [s1, s2])

        #expect(throws: RetentionError.lastSynced(snapshot: s1, targets: [target.serviceURL])) {
            try maintenance.plan(forgetting: [s2, s1])
        }
        let named = try maintenance.plan(forgetting: [s2])
        #expect(named.filter { !$0.keep }.map(\.snapshot) == [s2])
        let forced = try maintenance.plan(forgetting: [s1], force: true)
        #expect(forced.filter { !$0.keep }.map(\.snapshot) == [s1])

        // After a forget by the policy, the next sync still has its base.
        _ = try maintenance.forget(plan.filter { !$0.keep }.map(\.snapshot), vacuum: false)
        let next = try await sync(s3, target)
        #expect(next.status == .complete)
        try expectInStep(target, snapshot: s3)
    }

    /// A snapshot of another lineage (here: of the same service with a language filter) is refused before anything
    /// is sent: its difference from the last synced snapshot would delete every twin it does not name.
    @Test func aSnapshotOfAnotherLineageIsRefused() async throws {
        let target = ScriptedTarget()
        let s1 = try await firstNight(target)
        put(9, "Z", language: "de-DE", words: Fixtures.words(3, prefix: "z"))
        let filtered = try await Snapshotter.run(store: store, source: source, options: .init(filter: ModelFilter(languages: ["de-DE"]))).snapshotID
        target.resetCalls()
        await #expect(throws: SyncError.self) { try await sync(filtered, target) }
        do { _ = try await sync(filtered, target) } catch {
            #expect("\(error)".contains("snapshot \(filtered) is of ") && "\(error)".contains("(language=de-DE)"), "\(error)")
        }
        #expect(target.writes.isEmpty)
        #expect(stored?.snapshot == s1)
        #expect(try store.db.scalar("SELECT count(*) FROM sync_runs", as: Int.self) == 0)
    }
}
