import ArchiveCore
import Foundation
import TestSupport
import TTSAPI
import TTSClient
import TTSEmulator

/// An in-process emulator, a client pointed at it, and a fresh archive: the real HTTP path end to end.
struct Live {
    let server: EmulatorServer
    let url: URL
    let client: TextToSpeechClient
    let dir: TempDir
    let store: ArchiveStore

    static func with<T>(_ configuration: EmulatorConfiguration = EmulatorConfiguration(), apiKey: String? = nil,
                        retry: RetryPolicy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50)),
                        _ body: (Live) async throws -> T) async throws -> T {
        let server = EmulatorServer(configuration: configuration)
        let url = try await server.start()
        let auth: Authentication = apiKey.map { .iam(apiKey: Secret($0), authURL: url.absoluteString, clientID: nil, clientSecret: nil, scope: nil) } ?? .none
        let client = try TextToSpeechClient(credentials: ServiceCredentials(serviceURL: url.absoluteString, authentication: auth),
                                            configuration: ClientConfiguration(requestTimeout: .seconds(60), retry: retry))
        let dir = try TempDir()
        let live = Live(server: server, url: url, client: client, dir: dir, store: try ArchiveStore(path: dir.path("a.sqlite"), access: .write))
        do {
            let result = try await body(live)
            try await client.shutdown()
            await server.stop()
            return result
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
    }

    var source: ServiceModelSource { ServiceModelSource(client: client) }

    func snapshot(_ options: SnapshotOptions = .init()) async throws -> SnapshotSummary {
        try await Snapshotter.run(store: store, source: source, options: options)
    }

    /// A snapshot running into a held request: generates `spec`, takes a first snapshot, applies a night of churn,
    /// then starts a second snapshot (holding the archive's lock for its whole run, as the CLI does, when
    /// `holdingLock`) and returns once it waits on the service's answer to get-model number `skip + 1`.
    /// The caller releases `hold` (in every case: the service's stop waits for held requests).
    func snapshotHeldMidFetch(_ spec: GeneratorSpec, night: UInt64, skip: Int, concurrency: Int, holdingLock: Bool = false)
        async throws -> (first: SnapshotSummary, hold: RequestHold, running: Task<SnapshotSummary, any Error>)
    {
        _ = try server.generate(spec)
        let first = try await snapshot()
        _ = server.applyNight(seed: night)
        let hold = server.faults.hold("GET", .prefix("/v1/customizations/"), skip: skip)
        let source = self.source
        nonisolated(unsafe) let store = self.store
        let running = Task {
            let lock = holdingLock ? try ArchiveLock(archivePath: store.path, purpose: "snapshot") : nil
            defer { withExtendedLifetime(lock) {} }
            return try await Snapshotter.run(store: store, source: source, options: SnapshotOptions(concurrency: concurrency))
        }
        await hold.reached()
        return (first, hold, running)
    }

    /// What the service holds now, as get-model returns it, sorted by id.
    func current() async throws -> [CustomModel] {
        try await LiveState.fetch(from: source).sorted { $0.customizationID.utf8.lexicographicallyPrecedes($1.customizationID.utf8) }
    }
}
