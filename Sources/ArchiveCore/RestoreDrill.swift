import Foundation
import TTSAPI
import TTSClient

/// A restore drill: replays a snapshot into an empty, throw-away service instance (the CLI passes an in-process
/// emulator) and verifies it, proving the backup restores without touching any real instance.
///
/// The archive is only read: the drill's journal lives in a scratch archive that is deleted afterwards, so a
/// nightly `snapshot --drill` adds nothing to the archive and a drill works on a read-only copy.
public enum RestoreDrill {
    public struct Result: Codable, Sendable {
        public var snapshotID: Int64
        /// `passed` (restored and verified, 0 differences), `differences`, or `failed` (models or entries refused).
        public var status: DrillOutcome
        public var models: Int
        public var words: Int
        public var rejectedEntries: Int
        public var promptsNotRestorable: Int
        public var seconds: Double
        public var report: RestoreReport

        enum CodingKeys: String, CodingKey {
            case snapshotID = "snapshot_id", status, models, words, rejectedEntries = "rejected_entries"
            case promptsNotRestorable = "prompts_not_restorable", seconds, report
        }
    }

    /// Languages the snapshot uses, so the throw-away instance can accept every one of them.
    public static func languages(store: ArchiveStore, snapshot: Int64, filter: ModelFilter = .init()) throws -> Set<String> {
        Set(try SnapshotReader(store).models(in: snapshot, filter: filter, includeWords: false).compactMap(\.language))
    }

    static let scratchPrefix = "tts-archive-drill-"

    /// Removes the scratch folders of drills whose process is gone: a killed drill (SIGKILL, power loss) never
    /// reaches its own cleanup. A folder whose process still runs, or cannot be checked, is left alone.
    static func removeStaleScratch(in dir: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasPrefix(scratchPrefix) {
            guard let pid = Int32(name.dropFirst(scratchPrefix.count).prefix(while: \.isNumber)), pid > 0,
                  kill(pid, 0) == -1, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: dir.appending(path: name))
        }
    }

    /// Restores `snapshot` into `target`, which must be empty, and verifies it. `progress` receives the
    /// restore's events (``Restorer/run(snapshot:options:resume:job:progress:)``) named `drill`. A cancelled drill
    /// stops at the next request and throws `CancellationError`; its scratch journal is removed as always.
    public static func run(store: ArchiveStore, snapshot: Int64, filter: ModelFilter = .init(), target: any RestoreTarget,
                           concurrency: Int = 4, progress: JobProgressSink? = nil) async throws -> Result {
        removeStaleScratch(in: FileManager.default.temporaryDirectory)
        let scratch = FileManager.default.temporaryDirectory
            .appending(path: "\(scratchPrefix)\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let journal = try ArchiveStore(path: scratch.appending(path: "journal.sqlite").path, access: .write)
        try journal.db.execute("PRAGMA synchronous = OFF")  // scratch data: a crash loses nothing of value

        let started = ContinuousClock.now
        let restorer = Restorer(store: store, journalStore: journal, client: target, concurrency: concurrency, verify: true)
        let report = try await restorer.run(snapshot: snapshot, options: RestoreOptions(filter: filter, existing: .fail),
                                            job: "drill", progress: progress)
        let elapsed = ContinuousClock.now - started

        let differences = report.verification.map { !$0.differences.summary.isEmpty } ?? false
        let status: DrillOutcome = report.status != .complete ? .failed : (differences ? .differences : .passed)
        return Result(snapshotID: snapshot, status: status, models: report.verification?.models ?? 0,
                      words: report.verification?.words ?? 0, rejectedEntries: report.rejectedEntries,
                      promptsNotRestorable: report.promptsNotRestorable,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                      report: report)
    }
}

/// The outcome of a restore drill (``RestoreDrill/Result``); not stored in the archive, printed as its raw value.
public enum DrillOutcome: String, Codable, Sendable, CaseIterable {
    /// Restored and verified: 0 differences.
    case passed
    /// Restored, but reading it back differs from the snapshot.
    case differences
    /// Models or entries refused.
    case failed
}
