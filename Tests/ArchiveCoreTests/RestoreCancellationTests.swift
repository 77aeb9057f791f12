import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
@testable import ArchiveCore

/// Restore as a job: its progress events, and task cancellation at each phase (plan, replay between batches,
/// verify) followed by the same call, which must end where an uncancelled run ends, no model created twice.
/// The cancellation points are the scripted target's pause point (a request suspended until the test cancels),
/// never a clock.
@Suite struct RestoreCancellationTests {
    let dir: TempDir
    let store: ArchiveStore
    let snapshotID: Int64
    static let options = RestoreOptions(batchSize: 16)
    static let general = "aaaaaaaa-0000-0000-0000-000000000001"

    init() async throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        snapshotID = try await Snapshotter.run(store: store, source: Fixtures.standardSource()).snapshotID
    }

    /// Collects a job's events.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [JobProgress] = []
        var sink: JobProgressSink { { [self] p in lock.withLock { all.append(p) } } }
        var values: [JobProgress] { lock.withLock { all } }
    }

    func restorer(_ target: ScriptedTarget, concurrency: Int) -> Restorer {
        Restorer(store: store, client: target, concurrency: concurrency)
    }

    /// Starts a restore, waits until it is suspended at the target's pause point, cancels it, and expects
    /// `CancellationError`. Returns the request that was paused.
    @discardableResult
    func cancelAtPause(_ target: ScriptedTarget, concurrency: Int, events: Events? = nil) async throws -> ScriptedTarget.Call {
        let restorer = restorer(target, concurrency: concurrency)
        let (id, sink) = (snapshotID, events?.sink)
        let task = Task { try await restorer.run(snapshot: id, options: Self.options, progress: sink) }
        let call = await target.paused()
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        return call
    }

    /// What an uncancelled run leaves on a target: each model's metadata and words, in creation order.
    func reference() async throws -> (target: ScriptedTarget, report: RestoreReport) {
        let target = ScriptedTarget()
        let report = try await restorer(target, concurrency: 1).run(snapshot: snapshotID, options: Self.options)
        return (target, report)
    }

    /// The same models (name, language, description, words byte for byte) as the reference, each once, each
    /// created once, every word accepted once.
    func expectSameEndState(_ target: ScriptedTarget, _ report: RestoreReport, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (reference, referenceReport) = try await reference()
        func state(_ t: ScriptedTarget) -> [String] {
            t.modelIDs.compactMap(t.model).map {
                "\($0.name ?? "") \($0.language ?? "") \($0.description ?? "") "
                    + ($0.words ?? []).map { "\(Array($0.word.utf8))=\($0.translation)/\($0.partOfSpeech ?? "")" }.joined(separator: ",")
            }.sorted()
        }
        #expect(state(target) == state(reference), sourceLocation: sourceLocation)
        #expect(target.creates == 3 && target.modelIDs.count == 3, "\(target.calls)", sourceLocation: sourceLocation)
        let accepted = RestorerTests.addedWords(target.calls.filter { !target.failures.contains($0) })
        #expect(accepted.sorted() == RestorerTests.addedWords(reference.calls).sorted(), sourceLocation: sourceLocation)
        #expect(report.status == .complete, sourceLocation: sourceLocation)
        #expect(report.verification?.models == 3 && report.verification?.differences.summary.isEmpty == true, sourceLocation: sourceLocation)
        #expect(report.verification?.words == referenceReport.verification?.words, sourceLocation: sourceLocation)
        #expect(try RestoreRunSummary.all(in: store).last?.status == .complete, sourceLocation: sourceLocation)
    }

    // MARK: Progress

    @Test func eventsNameThePhasesInOrderWithCountsThatOnlyGrow() async throws {
        let events = Events()
        let target = ScriptedTarget()
        let report = try await restorer(target, concurrency: 4).run(snapshot: snapshotID, options: Self.options, progress: events.sink)
        #expect(report.status == .complete)
        let values = events.values
        var phases: [JobProgress.Phase] = []
        for v in values where phases.last != v.phase { phases.append(v.phase) }
        #expect(phases == [.plan, .replay, .verify, .done])
        #expect(values.allSatisfy { $0.job == "restore" })
        for phase in phases {
            let inPhase = values.filter { $0.phase == phase }
            for (a, b) in zip(inPhase, inPhase.dropFirst()) {
                #expect(a.modelsDone <= b.modelsDone && a.wordsDone <= b.wordsDone, "\(phase): \(a) then \(b)")
                #expect(a.modelsTotal == b.modelsTotal && a.wordsTotal == b.wordsTotal)
            }
            #expect(inPhase.allSatisfy { $0.modelsDone <= $0.modelsTotal && $0.wordsDone <= $0.wordsTotal })
        }
        // Replay: 3 models, 63 words in 5 batches of at most 16, each batch an event.
        let replay = values.filter { $0.phase == .replay }
        #expect(replay.first.map { [$0.modelsDone, $0.wordsDone] } == [0, 0])
        #expect(replay.last.map { [$0.modelsDone, $0.modelsTotal, $0.wordsDone, $0.wordsTotal] } == [3, 3, 63, 63])
        #expect(replay.count == 1 + 5 + 3)
        #expect(values.last.map { [$0.modelsDone, $0.modelsTotal] } == [3, 3])
    }

    @Test func aModelNameTheServiceMayRefuseIsAWarningInTheEvents() async throws {
        let source = ScriptedSource()
        source.put(CustomModel(customizationID: Self.general, name: "A/B", language: "en-US", description: "",
                               words: [WordEntry(word: "x", translation: "ex")]))
        let id = try await Snapshotter.run(store: store, source: source).snapshotID
        let events = Events()
        _ = try await restorer(ScriptedTarget(), concurrency: 1).run(snapshot: id, options: Self.options, progress: events.sink)
        let warnings = try #require(events.values.last?.warnings)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("model \(Self.general): ") == true)
        #expect(warnings.first == "model \(Self.general): \(RestorePlan.nameWarning("A/B")!)")
    }

    // MARK: Cancel, then the same call

    @Test func cancelledDuringThePlanItWritesNothingAndTheNextRunStartsClean() async throws {
        let target = ScriptedTarget()
        target.pause { $0 == .list }
        try await cancelAtPause(target, concurrency: 4)
        #expect(target.writes.isEmpty)
        #expect(try RestoreRunSummary.all(in: store).isEmpty)

        let report = try await restorer(target, concurrency: 4).run(snapshot: snapshotID, options: Self.options)
        #expect(!report.resumed)
        try await expectSameEndState(target, report)
    }

    /// A sink that cancels the task it is called on at the first event of `phase` (a deterministic cancel point).
    static func cancelling(at phase: JobProgress.Phase, _ events: Events) -> JobProgressSink {
        let record = events.sink
        return { p in
            record(p)
            if p.phase == phase { withUnsafeCurrentTask { $0?.cancel() } }
        }
    }

    @Test func cancelledAtThePlanEventNothingIsWrittenEvenIfThePlanCompletes() async throws {
        let target = ScriptedTarget()
        let events = Events()
        let restorer = restorer(target, concurrency: 4)
        let (id, sink) = (snapshotID, Self.cancelling(at: .plan, events))
        await #expect(throws: CancellationError.self) {
            _ = try await Task { try await restorer.run(snapshot: id, options: Self.options, progress: sink) }.value
        }
        #expect(target.writes.isEmpty)
        #expect(try RestoreRunSummary.all(in: store).isEmpty)
        let report = try await restorer.run(snapshot: snapshotID, options: Self.options)
        try await expectSameEndState(target, report)
    }

    @Test(arguments: [1, 4])
    func cancelledBetweenBatchesItResumesFromTheJournal(concurrency: Int) async throws {
        let target = ScriptedTarget()
        // General's second batch of 16: its first is accepted and journaled.
        target.pause(at: 2) { if case .addWords(_, let words) = $0 { words.count == 16 } else { false } }
        let events = Events()
        try await cancelAtPause(target, concurrency: concurrency, events: events)
        #expect(events.values.last?.phase == .replay)
        #expect(events.values.allSatisfy { $0.phase != .verify && $0.phase != .done })
        let run = try #require(try RestoreRunSummary.all(in: store).last)
        #expect(run.status == .cancelled)  // resumable
        let general = try #require(try RestoreJournal(store).rows(run: run.id).first { $0.sourceID == Self.general })
        #expect(general.batchesDone == 1 && general.targetID != nil)

        let resumedEvents = Events()
        let report = try await restorer(target, concurrency: concurrency).run(snapshot: snapshotID, options: Self.options,
                                                                              progress: resumedEvents.sink)
        #expect(report.resumed && report.runID == run.id)
        // The resumed run's replay starts from what the journal holds: at least General's first batch.
        let firstReplay = try #require(resumedEvents.values.first { $0.phase == .replay })
        #expect(firstReplay.wordsDone >= 16 && firstReplay.wordsTotal == 63)
        try await expectSameEndState(target, report)
    }

    @Test func cancelledAtTheVerificationEventTheRunIsResumableAndResumes() async throws {
        let target = ScriptedTarget()
        let restorer = restorer(target, concurrency: 4)
        let (id, sink) = (snapshotID, Self.cancelling(at: .verify, Events()))
        await #expect(throws: CancellationError.self) {
            _ = try await Task { try await restorer.run(snapshot: id, options: Self.options, progress: sink) }.value
        }
        let run = try #require(try RestoreRunSummary.all(in: store).last)
        #expect(run.status == .cancelled)  // marked resumable, not left `running`
        #expect(try RestoreJournal(store).rows(run: run.id).allSatisfy { $0.status == .done })
        let report = try await restorer.run(snapshot: snapshotID, options: Self.options)
        #expect(report.resumed && report.runID == run.id)
        try await expectSameEndState(target, report)
    }

    @Test func cancelledDuringTheVerificationItResumesAtTheVerification() async throws {
        let target = ScriptedTarget()
        // First run: cancelled while sending the second model's words, General done (concurrency 1, id order).
        target.pause { if case .addWords(_, let words) = $0 { words.contains("東京") } else { false } }
        try await cancelAtPause(target, concurrency: 1)
        let run = try #require(try RestoreRunSummary.all(in: store).last)
        let general = try #require(try RestoreJournal(store).rows(run: run.id).first { $0.sourceID == Self.general })
        #expect(general.status == .done)
        let generalTarget = try #require(general.targetID)

        // Second run: General was restored before, so it is read back in the verification phase.
        target.pause { $0 == .get(id: generalTarget) }
        let events = Events()
        try await cancelAtPause(target, concurrency: 1, events: events)
        #expect(events.values.last?.phase == .verify)
        let rows = try RestoreJournal(store).rows(run: run.id)
        #expect(rows.allSatisfy { $0.status == .done })
        #expect(try RestoreRunSummary.all(in: store).map(\.status) == [.cancelled])

        let report = try await restorer(target, concurrency: 1).run(snapshot: snapshotID, options: Self.options)
        #expect(report.resumed && report.runID == run.id)
        try await expectSameEndState(target, report)
    }

    @Test func aCancelledCreateIsAdoptedOrMadeOnceOnResume() async throws {
        let target = ScriptedTarget()
        target.pause(at: 2) { if case .create = $0 { true } else { false } }
        try await cancelAtPause(target, concurrency: 1)
        let report = try await restorer(target, concurrency: 1).run(snapshot: snapshotID, options: Self.options)
        try await expectSameEndState(target, report)
    }
}
