import Foundation

/// Where a job is: the one progress shape of snapshot, restore, drill, rollback and forget, read by
/// the CLI's progress line and `--json` output and by a server's operation rows alike.
///
/// Each value is the job's whole state, not a delta: a consumer that drops or coalesces events (a terminal line
/// redrawn at most so often, a server writing one row per second) loses nothing. Counts belong to the phase
/// named: they never go down within a phase, and a new phase sets its own totals.
public struct JobProgress: Sendable, Equatable, Codable {
    /// A phase name. Open-ended (a job adds its own), with the shared ones named here.
    public struct Phase: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }
        public var description: String { rawValue }

        /// Snapshot: listing the source's models.
        public static let list = Phase(rawValue: "list")
        /// Snapshot: fetching each model and comparing it with the archive (again for models that changed
        /// meanwhile: each consistency round begins the phase anew).
        public static let fetch = Phase(rawValue: "fetch")
        /// Snapshot: publishing what was fetched, in one short write transaction.
        public static let commit = Phase(rawValue: "commit")
        /// Restore and drill: reading the target and the snapshot, deciding what to send.
        public static let plan = Phase(rawValue: "plan")
        /// Restore and drill: creating models and sending their words.
        public static let replay = Phase(rawValue: "replay")
        /// Restore, drill and rollback: reading the result back and comparing it with the snapshot.
        public static let verify = Phase(rawValue: "verify")
        /// Rollback: sending the differences.
        public static let apply = Phase(rawValue: "apply")
        /// Forget: deleting snapshots and the rows no remaining snapshot needs (one transaction).
        public static let forget = Phase(rawValue: "forget")
        /// Forget --prune: rewriting the file.
        public static let vacuum = Phase(rawValue: "vacuum")
        /// The job finished; the counts are final.
        public static let done = Phase(rawValue: "done")
    }

    /// snapshot, restore, drill, rollback or forget.
    public var job: String
    public var phase: Phase
    public var modelsDone: Int
    public var modelsTotal: Int
    public var wordsDone: Int
    /// 0 when the total is not known in advance: a snapshot's fetch counts the words of the models fetched so far.
    public var wordsTotal: Int
    /// Every warning so far, oldest first (each value carries them all).
    public var warnings: [String]

    public init(job: String, phase: Phase, modelsDone: Int = 0, modelsTotal: Int = 0, wordsDone: Int = 0, wordsTotal: Int = 0,
                warnings: [String] = []) {
        self.job = job
        self.phase = phase
        self.modelsDone = modelsDone
        self.modelsTotal = modelsTotal
        self.wordsDone = wordsDone
        self.wordsTotal = wordsTotal
        self.warnings = warnings
    }
}

/// Receives a job's progress, synchronously, on the job's own tasks, in order. It must return quickly (draw a
/// line, store a value, yield to an `AsyncStream` continuation); it is never called after the job returns.
public typealias JobProgressSink = @Sendable (JobProgress) -> Void

/// A job's progress state shared by its concurrent tasks: every change is applied and sent under one lock, so
/// the sink sees the values in the order they were made, counts never going back.
final class JobReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var state: JobProgress
    private let sink: JobProgressSink?

    init(job: String, sink: JobProgressSink?) {
        state = JobProgress(job: job, phase: .plan)
        self.sink = sink
    }

    var current: JobProgress { lock.withLock { state } }

    /// Starts a phase with its totals and what is already done of them.
    func begin(_ phase: JobProgress.Phase, modelsDone: Int = 0, modelsTotal: Int = 0, wordsDone: Int = 0, wordsTotal: Int = 0) {
        update {
            $0.phase = phase
            $0.modelsTotal = modelsTotal
            $0.wordsTotal = wordsTotal
            $0.modelsDone = min(modelsDone, modelsTotal)
            $0.wordsDone = wordsTotal > 0 ? min(wordsDone, wordsTotal) : wordsDone
        }
    }

    /// Adds to what is done of the phase (never past its total; words without a total are counted on).
    func add(models: Int = 0, words: Int = 0) {
        update {
            $0.modelsDone = min($0.modelsDone + models, max($0.modelsTotal, $0.modelsDone))
            $0.wordsDone = $0.wordsTotal > 0 ? min($0.wordsDone + words, max($0.wordsTotal, $0.wordsDone)) : $0.wordsDone + words
        }
    }
    func modelDone() { add(models: 1) }
    func wordsDone(_ n: Int) { add(words: n) }
    func warn(_ warning: String) { update { $0.warnings.append(warning) } }
    func finish() { update { $0.phase = .done } }
    /// The final counts, then `done`, in one event.
    func finish(models: Int, words: Int) {
        update {
            $0.phase = .done
            ($0.modelsDone, $0.modelsTotal, $0.wordsDone, $0.wordsTotal) = (models, models, words, words)
        }
    }

    private func update(_ change: (inout JobProgress) -> Void) {
        guard let sink else { return lock.withLock { change(&state) } }
        // Sent under the lock: two tasks' events cannot reach the sink out of order.
        lock.withLock {
            change(&state)
            sink(state)
        }
    }
}
