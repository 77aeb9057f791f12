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

    /// What the service holds now, as get-model returns it, sorted by id.
    func current() async throws -> [CustomModel] {
        try await LiveState.fetch(from: source).sorted { $0.customizationID.utf8.lexicographicallyPrecedes($1.customizationID.utf8) }
    }
}
