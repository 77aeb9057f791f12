import ArchiveCore
import TTSEmulator

/// The drill as every front door runs it (`drill`, `snapshot --drill`, the server's `POST /v1/drills`): a fresh
/// in-process emulator instance as the throw-away target of the core's ``RestoreDrill``.
public enum EmulatorDrill {
    public static func run(store: ArchiveStore, snapshot: Int64, filter: ModelFilter, concurrency: Int,
                           progress: JobProgressSink? = nil) async throws -> RestoreDrill.Result {
        // Accept every language the snapshot holds: a drill tests the archive, not the emulator's language list.
        let languages = try RestoreDrill.languages(store: store, snapshot: snapshot, filter: filter)
        // The emulator's service instance, called directly: no server, no port, no HTTP.
        let instance = ServiceInstance(rules: ServiceRules(languages: ServiceRules.defaultLanguages.union(languages)))
        return try await RestoreDrill.run(store: store, snapshot: snapshot, filter: filter, target: EmulatorTarget(instance),
                                          concurrency: concurrency, progress: progress)
    }
}
