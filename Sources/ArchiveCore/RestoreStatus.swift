/// The statuses of the restore journal (migration 0003). Their raw values are the values the schema's CHECK
/// constraints allow, spelled once here: a value added to a CHECK (a later migration) is a case added here, and
/// `RestoreStatusTests` compares both. A front end prints the raw value.

/// `restore_runs.status`.
public enum RestoreRunStatus: String, Codable, Sendable, CaseIterable {
    /// Started and not finished: still running, or killed (resumable).
    case running
    /// Every model restored, nothing refused.
    case complete
    /// Every model restored; some entries refused by the service.
    case partial
    /// A model could not be restored; resumable.
    case failed
    /// Stopped by cancellation (Ctrl-C, SIGTERM, a job cancelled by its caller; migration 0006); resumable.
    case cancelled

    /// A run that a resume may continue.
    public var isResumable: Bool { self == .running || self == .failed || self == .cancelled }
}

/// `restore_models.status`: one model's step in a run.
///
///     pending -> creating (POST sent, outcome unknown until the id is stored) -> created -> words -> done
///     skipped (left alone by the `skip` policy), failed (message says why; a resume retries it)
public enum RestoreModelStatus: String, Codable, Sendable, CaseIterable {
    case pending, creating, created, words, done, skipped, failed

    /// Nothing left to do for the model in this run.
    public var isFinished: Bool { self == .done || self == .skipped }
}
