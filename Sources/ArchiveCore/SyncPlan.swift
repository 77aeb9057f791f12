import TTSAPI

/// What a sync may do beyond sending the difference.
public struct SyncOptions: Codable, Sendable, Equatable {
    /// Entries per add-words request.
    public var batchSize: Int
    /// Leave the twin of a model removed from the source on the target (never touched again) instead of deleting it.
    public var keepRemoved: Bool
    /// Send the difference although the target drifted (changed directly since the last sync): touched models are
    /// set to the snapshot's content, a twin deleted on the target is created again, models nobody paired stay.
    public var force: Bool
    /// Read each model the run will touch before sending, so drift in its words is found too (not only in the list).
    public var checkDrift: Bool

    public init(batchSize: Int = RestoreOptions.defaultBatchSize, keepRemoved: Bool = false, force: Bool = false,
                checkDrift: Bool = false) {
        self.batchSize = max(1, batchSize)
        self.keepRemoved = keepRemoved
        self.force = force
        self.checkDrift = checkDrift
    }
}

/// Which models a sync reads back at the end: the ones it touched, every paired one, or none.
public enum SyncVerify: String, Codable, Sendable, CaseIterable { case touched, all, none }

/// What a sync will send, computed without writing anything: printed by `--dry-run`, executed by ``Syncer``.
///
/// A first sync is a restore (``restore``). A later one sends the difference between the snapshot the target last
/// equalled and the new one, with the fewest requests: per changed model, its added and changed entries in
/// add-words batches (a name or description change rides on the first, as the update request carries words too;
/// alone, it is one update), one delete per removed entry; per added model one create and its batches; per removed
/// model one delete.
public struct SyncPlan: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// A model new to the target (added to the source, or its twin was deleted on the target: with force).
        case create
        /// Its twin gets the difference.
        case update
        /// Removed from the source: its twin is deleted.
        case delete
        /// Removed from the source: its twin stays (keep-removed).
        case keep
        /// Its language changed (the service cannot change a model's language): the twin is deleted, a new one made.
        case replace
    }

    public struct Step: Codable, Sendable, Equatable {
        public var sourceID: String
        public var action: Action
        /// update, delete, keep: the twin; replace: the twin deleted first.
        public var targetID: String?
        public var name: String?
        public var language: String?
        public var description: String?
        /// update: the name to set, nil when unchanged.
        public var setName: String?
        /// update: the description to set, nil when unchanged.
        public var setDescription: String?
        /// update: entries added or changed, in service order.
        public var addWords: [WordEntry]
        /// update: words to delete.
        public var deleteWords: [String]
        /// create, replace: the model's entries (sent from the snapshot).
        public var words: Int
        public var batchSize: Int

        var hasMetadata: Bool { setName != nil || setDescription != nil }

        /// update: add-words batches, or 1 for a metadata change alone. The journal counts these, then the deletes.
        var updateRequests: Int {
            let batches = (addWords.count + batchSize - 1) / batchSize
            return batches == 0 && hasMetadata ? 1 : batches
        }

        /// Requests that change the target.
        public var requests: Int {
            switch action {
            case .create: 1 + (words + batchSize - 1) / batchSize
            case .replace: 2 + (words + batchSize - 1) / batchSize
            case .update: updateRequests + deleteWords.count
            case .delete: 1
            case .keep: 0
            }
        }

        /// Entries sent (added or overwritten), and deleted.
        public var entriesSent: Int { action == .update ? addWords.count : (action == .create || action == .replace ? words : 0) }
    }

    public var target: String
    /// The snapshot the target last equalled; nil for a first sync (a restore).
    public var fromSnapshot: Int64?
    public var toSnapshot: Int64
    public var options: SyncOptions
    public var steps: [Step]
    /// Changes made directly on the target since the last sync (as `diff` shows them); empty when none. A plan with
    /// drift runs only with ``SyncOptions/force``.
    public var drift: ArchiveDiff
    /// A first sync: the restore it is.
    public var restore: RestorePlan?
    /// Models the target lists.
    public var targetModels: Int
    /// With check-drift: models read before sending (one request each).
    public var driftReads: Int
    /// The unfinished run the next run resumes (its steps not yet done are the plan's).
    public var resumes: Int64? = nil

    /// Requests that change the target.
    public var requests: Int { restore?.requests ?? steps.reduce(0) { $0 + $1.requests } }
    /// Models read back by a verification of the touched models (one request each).
    public var verifyReads: Int {
        restore.map { $0.items.filter { $0.action != .skip }.count } ?? steps.filter { [.create, .update, .replace].contains($0.action) }.count
    }
    /// Every request of the run with the default verification: the list, the drift reads, the writes, the verify reads.
    public var totalRequests: Int { 1 + driftReads + requests + verifyReads }
    public var entriesSent: Int { restore?.words ?? steps.reduce(0) { $0 + $1.entriesSent } }
    public var wordsDeleted: Int { steps.reduce(0) { $0 + ($1.action == .update ? $1.deleteWords.count : 0) } }
}

/// `sync_runs.status` (migration 0007); the raw values are the CHECK's. A front end prints the raw value.
public enum SyncRunStatus: String, Codable, Sendable, CaseIterable {
    /// Started and not finished: running, or killed (the next sync into the target resumes it).
    case running
    /// Every model synced, nothing refused.
    case complete
    /// Every model synced; some entries refused by the target.
    case partial
    /// A model could not be synced; the next sync resumes it.
    case failed
    /// Stopped by cancellation (Ctrl-C, SIGTERM, a job cancelled by its caller); the next sync resumes it.
    case cancelled
}

/// `sync_steps.status`: one model's step in a run (`RestoreModelStatus` without `skipped`).
///
///     pending -> creating (POST sent, outcome unknown until the id is stored) -> created -> words -> done
///     failed (message says why; the next run retries it)
public enum SyncStepStatus: String, Codable, Sendable, CaseIterable {
    case pending, creating, created, words, done, failed
}

/// The outcome of a sync, saved as JSON in `sync_runs.report` and printed by `sync --json`.
public struct SyncReport: Codable, Sendable, Equatable {
    public struct Model: Codable, Sendable, Equatable {
        public var sourceID: String
        public var targetID: String?
        public var name: String?
        public var language: String?
        public var action: SyncPlan.Action
        /// Entries added or overwritten, and words deleted.
        public var added: Int
        public var deleted: Int
        /// done or failed (or the step a failed run stopped at).
        public var status: SyncStepStatus
        public var message: String?
        public var rejections: [RestoreReport.Rejection]
    }

    public var target: String
    /// Nil for a first sync.
    public var fromSnapshot: Int64?
    public var toSnapshot: Int64
    /// The sync run (nil for a first sync, or when nothing had to be sent).
    public var runID: Int64?
    /// A first sync: its restore run's report.
    public var restore: RestoreReport?
    /// complete, partial (entries refused) or failed (a model could not be synced; running the sync again resumes).
    public var status: SyncRunStatus
    public var resumed: Bool
    public var models: [Model]
    /// Write requests of the plan.
    public var requests: Int
    /// Drift overwritten (a forced run).
    public var drift: ArchiveDiff?
    public var verification: RestoreReport.Verification?

    public var rejectedEntries: Int { models.reduce(0) { $0 + $1.rejections.count } }
}

public enum SyncError: Error, Equatable, CustomStringConvertible {
    /// The target changed directly since the last sync; nothing was sent.
    case drift(ArchiveDiff)
    case unfinishedRun(Int64, snapshot: Int64, asked: Int64)
    case targetNotEmpty(target: String, models: Int)
    case lastSnapshotGone(Int64, target: String)
    case noSuchRun(Int64)
    /// The archive holds no pairing for this target.
    case notPaired(target: String)
    /// `snapshot` is of another lineage (source, or model filter) than `synced`, the one the target last equalled:
    /// the difference between them would delete every twin the other lineage does not name.
    case otherLineage(snapshot: Int64, lineage: String, synced: Int64, syncedLineage: String, target: String)

    public var description: String {
        switch self {
        case .drift(let d):
            let s = d.summary
            return "the target \(d.to.hasPrefix("live ") ? String(d.to.dropFirst(5)) : d.to) changed directly since \(d.from) was synced to it "
                + "(models +\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)); "
                + "nothing was sent: a forced sync overwrites the drifted models"
        case .unfinishedRun(let run, let snapshot, let asked):
            return "sync run \(run) into this target, to snapshot \(snapshot), did not finish; it must finish (sync snapshot \(snapshot) "
                + "again) before the target is synced to snapshot \(asked)"
        case .targetNotEmpty(let target, let n):
            return "the target \(target) already has \(n) custom models and no pairing in this archive; a first sync restores into an "
                + "empty instance"
        case .lastSnapshotGone(let s, let target):
            return "snapshot \(s), the one \(target) last equalled, is no longer in the archive (forgotten); the difference to send "
                + "cannot be computed"
        case .notPaired(let target):
            return "the archive holds no sync pairing for \(target); it is recorded by the first sync into that target"
        case .noSuchRun(let id):
            return "no sync run \(id) in the archive"
        case .otherLineage(let snapshot, let lineage, let synced, let syncedLineage, let target):
            return "snapshot \(snapshot) is of \(lineage), but \(target) was last synced to snapshot \(synced) of \(syncedLineage); "
                + "a sync sends the difference between snapshots of one source (and filter), so nothing was sent"
        }
    }
}
