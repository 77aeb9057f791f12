import Foundation
import Hummingbird
import Logging

/// The emulated Text to Speech customization service, runnable in-process (tests, demo, benchmarks) and
/// from `tts-archive emulator`.
///
/// ```swift
/// let server = EmulatorServer(configuration: .init(apiKeys: ["K1"]))
/// try server.generate(GeneratorSpec(models: 3, words: 500, seed: 7))
/// let url = try await server.start()          // http://127.0.0.1:<free port>
/// ...
/// await server.stop()
/// ```
public final class EmulatorServer: @unchecked Sendable {
    public let configuration: EmulatorConfiguration
    public let store: EmulatorStore
    public let faults: FaultInjector
    private let recorder = StatsRecorder()

    private let lock = NSLock()
    private var runTask: Task<Void, Never>?
    private var url: URL?
    private var runError: (any Error)?

    public init(configuration: EmulatorConfiguration = EmulatorConfiguration()) {
        self.configuration = configuration
        self.store = EmulatorStore(apiKeys: configuration.apiKeys, rules: configuration.rules,
                                   tokenLifetime: configuration.tokenLifetime)
        self.faults = FaultInjector(plan: configuration.faults)
    }

    /// Where it listens once started, e.g. `http://127.0.0.1:54321` (no trailing slash).
    public var baseURL: URL? { lock.withLock { url } }

    /// Binds and starts serving; returns once the socket listens. With port 0 the answer has the real port.
    @discardableResult
    public func start() async throws -> URL {
        if let url = baseURL { return url }
        let responder = EmulatorResponder(store: store, faults: faults, stats: recorder,
                                          admin: AdminAPI(store: store, faults: faults, stats: recorder),
                                          logRequests: configuration.logRequests)
        let (events, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? 0)) },
            // Hummingbird logs to stdout by default; the CLI's first stdout line must be the URL.
            logger: Logger(label: "tts-archive.emulator", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let handlesSignals = configuration.handlesSignals
        let task = Task {
            do {
                if handlesSignals {
                    try await app.runService()
                } else {
                    try await app.runService(gracefulShutdownSignals: [])
                }
                continuation.yield(.failure(EmulatorConfigurationError("the emulator stopped before it listened")))
            } catch {
                continuation.yield(.failure(error))
                self.lock.withLock { self.runError = error }
            }
            continuation.finish()
        }
        lock.withLock { runTask = task }
        var port: Int?
        for await event in events {
            port = try event.get()
            break
        }
        guard let port else { throw EmulatorConfigurationError("the emulator stopped before it listened") }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let url = URL(string: "http://\(host):\(port)")!
        lock.withLock { self.url = url }
        return url
    }

    /// Stops serving and waits until the socket is closed. Models stay in ``store``.
    public func stop() async {
        let task = lock.withLock { () -> Task<Void, Never>? in
            defer { runTask = nil; url = nil }
            return runTask
        }
        task?.cancel()
        await task?.value
    }

    /// Waits until the server stops (signal or ``stop()``); rethrows what made it stop, if anything.
    public func waitUntilStopped() async throws {
        let task = lock.withLock { runTask }
        await task?.value
        if let e = lock.withLock({ runError }) { throw e }
    }

    // MARK: Conveniences over the default instance (the first API key's, or the open one)

    public var defaultInstance: ServiceInstance { store.defaultInstance }

    public func instance(forAPIKey key: String) -> ServiceInstance? { store.instance(forAPIKey: key) }

    @discardableResult
    public func seed(from directory: URL) throws -> [String] { try store.defaultInstance.seed(from: directory) }

    @discardableResult
    public func generate(_ spec: GeneratorSpec) throws -> [String] { try store.defaultInstance.generate(spec) }

    public func applyNight(_ spec: ChurnSpec = .night, seed: UInt64) -> ChurnReport {
        store.defaultInstance.applyNight(spec, seed: seed)
    }

    /// Request counters since start.
    public var stats: EmulatorStats { recorder.snapshot }
}
