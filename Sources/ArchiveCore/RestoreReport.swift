/// The outcome of a restore run, saved as JSON in `restore_runs.report` and printed by `restore --json`.
public struct RestoreReport: Codable, Sendable, Equatable {
    public struct Rejection: Codable, Sendable, Equatable {
        public var word: String
        /// The service's message for the refused entry.
        public var message: String
    }

    public struct Model: Codable, Sendable, Equatable {
        public var sourceID: String
        public var targetID: String?
        public var name: String?
        public var language: String?
        public var words: Int
        public var action: RestorePlan.Action
        /// done, skipped or failed (or the step a failed run stopped at).
        public var status: RestoreModelStatus
        public var message: String?
        public var rejections: [Rejection]
    }

    /// The restored models read back from the target and compared by name and language with the snapshot.
    public struct Verification: Codable, Sendable, Equatable {
        public var models: Int
        public var words: Int
        public var differences: ArchiveDiff
    }

    public var runID: Int64
    public var snapshotID: Int64
    public var target: String
    /// complete, partial (entries rejected) or failed (a model could not be restored; resume retries it).
    public var status: RestoreRunStatus
    public var resumed: Bool
    public var models: [Model]
    public var promptsNotRestorable: Int
    public var verification: Verification?

    public var rejectedEntries: Int { models.reduce(0) { $0 + $1.rejections.count } }
    public var wordsRestored: Int {
        models.filter { $0.status == .done }.reduce(0) { $0 + $1.words - $1.rejections.count }
    }
}
