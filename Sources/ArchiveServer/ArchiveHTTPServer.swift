import ArchiveCore
import Foundation
import Hummingbird
import HummingbirdTLS
import NIOSSL
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle
import TTSClient

/// How `tts-archive serve` was asked to run.
public struct ServerOptions: Sendable {
    public var archivePath: String
    /// `HOST:PORT` (`[::1]:8080` for IPv6); port 0 picks a free one.
    public var listen: String
    public var configPath: String?
    public var tokenFile: String?
    public var publicRead: Bool
    /// Where `TTS_ARCHIVE_TOKEN` and the services' credentials are read.
    public var environment: [String: String]
    public var version: String
    /// Request bodies above this many bytes are refused (413).
    public var bodyLimit: Int
    /// Seconds a client is asked to wait between polls.
    public var retryAfter: Int
    /// `serve --schedule` (no config file): the `default` source's schedule.
    public var schedule: SourceSchedule?
    /// The scheduler's clock (tests: a manual one; the end-to-end script: a faster one).
    public var schedulerClock: (any SchedulerClock)?
    /// PEM certificate chain and private key: the server speaks HTTPS itself (both or neither).
    public var tlsCertificate: String?
    public var tlsKey: String?

    public init(archivePath: String, listen: String = "127.0.0.1:8080", configPath: String? = nil, tokenFile: String? = nil,
                publicRead: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
                version: String = "dev", bodyLimit: Int = 1 << 20, retryAfter: Int = 1,
                tlsCertificate: String? = nil, tlsKey: String? = nil) {
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.archivePath = archivePath
        self.listen = listen
        self.configPath = configPath
        self.tokenFile = tokenFile
        self.publicRead = publicRead
        self.environment = environment
        self.version = version
        self.bodyLimit = bodyLimit
        self.retryAfter = retryAfter
    }
}

/// The archive server: checks its options (config, token, listening address), opens the archive (marking
/// operations a dead process left Running as Failed `interrupted`), and serves the API generated from
/// `openapi.yaml` until SIGTERM or SIGINT, when running operations are cancelled and their rows say
/// `interrupted`, resumable as after a crash.
public final class ArchiveHTTPServer: Sendable {
    public let options: ServerOptions
    /// The host to listen on, as given (`::1` without brackets).
    public let host: String
    let port: Int
    let token: [UInt8]?
    let directory: ServiceDirectory
    let center: OperationCenter
    /// The service clients every job and request uses (one per source or target).
    let clients: ServiceClients
    let logger: Logger
    /// Schedules, metrics and notifications (issue 19): Scheduler.swift, Metrics.swift, Notifier.swift.
    let scheduler: Scheduler
    let metrics: ServerMetrics
    /// The bound address (the port once it is known), where links point when a request's Host is unusable.
    let listening: ListeningAddress
    /// With --tls-cert/--tls-key: the server's TLS (links are then `https`).
    let tls: TLSConfiguration?
    /// Diffs of two snapshots already answered (snapshots never change).
    let diffs = DiffCache()
    /// The archive stores reads go through, kept open between requests.
    let readers: ReadStores

    /// Everything checked before a socket is opened; each problem is one ``ServerStartError`` (or the archive's
    /// ``ArchiveError``).
    public init(_ options: ServerOptions, logger: Logger = Logger(label: "tts-archive.server"),
                credentialLookup: (@Sendable (String) throws -> ServiceCredentials)? = nil) throws {
        self.options = options
        self.logger = logger
        readers = ReadStores(path: options.archivePath)
        (host, port) = try Self.parseListen(options.listen)
        listening = ListeningAddress(host: host, port: port)
        token = try Self.readToken(options)
        if token == nil, !Self.isLoopback(host) {
            throw ServerStartError("listening on \(host) (not loopback) needs an API token: set TTS_ARCHIVE_TOKEN or "
                                   + "give --token-file PATH, or listen on 127.0.0.1")
        }
        tls = try ServerTLS.configuration(certificate: options.tlsCertificate, key: options.tlsKey)
        var config: ServerConfig = try options.configPath.map(ServerConfig.load) ?? .cliDefaults
        if let schedule = options.schedule {
            guard options.configPath == nil else {
                throw ServerStartError("--schedule schedules the `default` source of a server without --config; "
                                       + "with a config file, give each source's schedule there (schedule: \"CRON\")")
            }
            config.schedules["default"] = schedule
        }
        let environment = options.environment
        let lookup = credentialLookup ?? { name in try ServiceCredentials.forService(name, environment: environment) }
        directory = try ServiceDirectory(config: config, fromFile: options.configPath != nil, lookup: lookup)
        // Links of jobs no request started (the scheduler's, sync_to's): the listening address, until the bound
        // port and the scheme are known (`run` then gives the scheduler its final base).
        let startBase = "http://" + listening.authority
        clients = ServiceClients(configuration: ClientConfiguration(userAgent: "tts-archive-server/\(options.version)"),
                                 logger: Logger(label: "tts-archive.server.client"))
        let syncs = SyncStarter(directory: directory, jobs: OperationJobs(
            archivePath: options.archivePath, clients: clients, logger: logger, baseURL: startBase))
        center = try OperationCenter(archivePath: options.archivePath, logger: logger, afterSnapshot: syncs.afterSnapshot)
        let clock = options.schedulerClock ?? SystemSchedulerClock()
        var targetURLs: [String: String] = [:]
        for t in config.targets {
            if let credentials = try? lookup(t.serviceName) { targetURLs[t.name] = credentials.redactedServiceURL }
        }
        metrics = ServerMetrics(store: try ArchiveStore(path: options.archivePath, access: .read), archivePath: options.archivePath,
                                sources: Dictionary(directory.sources.map { ($0.name, $0.url ?? "") }, uniquingKeysWith: { a, _ in a }),
                                targets: targetURLs, schedules: config.schedules, now: { clock.now() }, logger: logger)
        scheduler = try Scheduler(directory: directory, schedules: config.schedules, settings: config.scheduler, notify: config.notify,
                                  clock: clock, center: center, clients: clients, metrics: metrics, archivePath: options.archivePath,
                                  baseURL: startBase, version: options.version,
                                  logger: logger)
    }

    /// `127.0.0.1:8080`, `[::1]:8080`, `localhost:0`.
    static func parseListen(_ text: String) throws -> (String, Int) {
        let bad = ServerStartError("--listen takes HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), not '\(text)'")
        var host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else { throw bad }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw bad }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { throw bad }
        return (String(host), port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }

    /// The token from `--token-file` (first line) or `TTS_ARCHIVE_TOKEN`; never from a flag value.
    static func readToken(_ options: ServerOptions) throws -> [UInt8]? {
        let fromEnvironment = options.environment["TTS_ARCHIVE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = options.tokenFile else { return fromEnvironment.map { Array($0.utf8) } }
        if fromEnvironment != nil {
            throw ServerStartError("give the API token one way: TTS_ARCHIVE_TOKEN is set and --token-file \(path) is given")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServerStartError("--token-file \(path): cannot read it (\(ServerConfig.reason(error, path: path)))")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw ServerStartError("--token-file \(path): the file holds no token") }
        return Array(token.utf8)
    }

    /// The router with the middleware and the generated handlers.
    func makeRouter() throws -> Router<BasicRequestContext> {
        let router = Router()
        // The web page's sessions (issue 21), shared by its routes and the middleware.
        let pageAccess = PageAccess(token: token, publicRead: options.publicRead, sessions: PageSessions())
        router.add(middleware: ArchiveMiddleware(token: token, publicRead: options.publicRead, bodyLimit: options.bodyLimit,
                                                 logger: logger,
                                                 paths: DocumentPaths(document: String(decoding: PackageResources.openapi_yaml, as: UTF8.self)),
                                                 page: pageAccess, scheme: scheme, listening: listening))
        let handlers = Handlers(server: self)
        // Compact JSON, `/` unescaped (URLs read as URLs).
        try handlers.registerHandlers(on: router, configuration: Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
                                      middlewares: [EncodedAnswer()])
        try PageRoutes(handlers: handlers, access: pageAccess).register(on: router)
        return router
    }

    /// Serves until SIGTERM/SIGINT (or the task is cancelled): `onListening` gets the bound port.
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let metrics = self.metrics, scheduler = self.scheduler, host = self.host
        await center.observe { metrics.observe($0) }
        let app = Application(
            router: try makeRouter(),
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [listening, host, scheme] channel in
                let bound = channel.localAddress?.port ?? 0
                listening.authority = ListeningAddress.authority(host: host, port: bound)
                // Scheduled runs start once result URLs can name the bound port.
                await scheduler.setBaseURL("\(scheme)://\(listening.authority)")
                await scheduler.start()
                await onListening(bound)
            },
            logger: logger)
        let operations = OperationsService(center: center, clients: clients)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: operations),
                .init(service: SchedulerService(scheduler: scheduler)),
                .init(service: app),
            ],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger))
        try await group.run()
    }

    /// `https` when the server speaks TLS itself, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// Cancels running operations and waits for them (their rows then say Failed `interrupted`), then shuts the
    /// service clients down.
    public func stopOperations() async {
        await center.stop()
        await clients.shutdown()
    }
}

/// Stops the schedules at graceful shutdown, before the operations (a scheduled run then ends as any other).
struct SchedulerService: Service {
    let scheduler: Scheduler

    func run() async throws {
        try? await gracefulShutdown()
        await scheduler.stop()
    }
}

/// Stops the operations at graceful shutdown, after the HTTP server (started after it, stopped before it).
struct OperationsService: Service {
    let center: OperationCenter
    let clients: ServiceClients

    func run() async throws {
        try? await gracefulShutdown()
        await center.stop()
        await clients.shutdown()
    }
}
