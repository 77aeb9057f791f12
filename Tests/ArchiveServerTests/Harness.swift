import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Logging
import TTSEmulator
@testable import ArchiveServer

/// The server's log lines (JSON), kept for tests to read.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var lines: [String] { lock.withLock { kept } }
    func append(_ line: String) { lock.withLock { kept.append(line) } }
}

/// Two emulators (a source and a restore target), an archive, and `tts-archive serve` on 127.0.0.1 (a free
/// port) in this process, driven over real HTTP. Credentials come through a credentials file
/// (`IBM_CREDENTIALS_FILE`), as the server reads them in production.
final class Harness: @unchecked Sendable {
    let source: EmulatorServer
    let target: EmulatorServer
    let dir: TempDir
    let archive: String
    let http: HTTPClient
    let log = LogSink()
    var environment: [String: String]
    /// The scheduler's clock (schedule tests: a ``ManualClock``).
    var schedulerClock: (any SchedulerClock)?
    private(set) var server: ArchiveHTTPServer!
    private(set) var base = ""
    private var task: Task<Void, any Error>?

    private init(source: EmulatorServer, target: EmulatorServer, dir: TempDir) {
        self.source = source
        self.target = target
        self.dir = dir
        archive = dir.path("archive.sqlite")
        http = HTTPClient(eventLoopGroupProvider: .singleton)
        environment = [:]
    }

    /// Runs `body` with the emulators and the server started (`token` sets TTS_ARCHIVE_TOKEN).
    static func with<T>(token: String? = nil, publicRead: Bool = false, config: String? = nil,
                        clock: (any SchedulerClock)? = nil, environment extra: [String: String] = [:],
                        _ body: (Harness) async throws -> T) async throws -> T {
        let source = EmulatorServer(), target = EmulatorServer()
        let sourceURL = try await source.start(), targetURL = try await target.start()
        let h = Harness(source: source, target: target, dir: try TempDir())
        let credentials = h.dir.path("ibm-credentials.env")
        try """
            TEXT_TO_SPEECH_URL=\(sourceURL.absoluteString)
            TEXT_TO_SPEECH_AUTH_TYPE=noAuth
            RESTORE_TARGET_URL=\(targetURL.absoluteString)
            RESTORE_TARGET_AUTH_TYPE=noAuth
            """.write(toFile: credentials, atomically: true, encoding: .utf8)
        h.environment = ["IBM_CREDENTIALS_FILE": credentials]
        if let token { h.environment["TTS_ARCHIVE_TOKEN"] = token }
        h.environment.merge(extra) { _, new in new }
        h.schedulerClock = clock
        var configPath: String?
        if let config {
            configPath = h.dir.path("server.yaml")
            try config.write(toFile: configPath!, atomically: true, encoding: .utf8)
        }
        do {
            try await h.start(publicRead: publicRead, configPath: configPath)
            let result = try await body(h)
            await h.shutdown()
            return result
        } catch {
            await h.shutdown()
            throw error
        }
    }

    func options(publicRead: Bool = false, configPath: String? = nil) -> ServerOptions {
        var options = ServerOptions(archivePath: archive, listen: "127.0.0.1:0", configPath: configPath, publicRead: publicRead,
                                    environment: environment, version: "test")
        options.schedulerClock = schedulerClock
        return options
    }

    /// Starts a server on the archive (again, after ``stop()``: a restart).
    func start(publicRead: Bool = false, configPath: String? = nil) async throws {
        let sink = log
        let logger = Logger(label: "test") { _ in ServerLogHandler(json: true, write: { sink.append($0) }) }
        let server = try ArchiveHTTPServer(options(publicRead: publicRead, configPath: configPath), logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        task = Task {
            defer { continuation.finish() }
            try await server.run(handleSignals: false, onListening: { continuation.yield($0) })
        }
        var port: Int?
        for await p in ports {
            port = p
            break
        }
        guard let port else {
            try await task?.value
            throw ServerStartError("the server stopped before it listened")
        }
        self.server = server
        base = "http://127.0.0.1:\(port)"
    }

    /// Stops the server as SIGTERM would (running operations cancelled, marked interrupted).
    func stop() async {
        task?.cancel()
        _ = try? await task?.value
        task = nil
    }

    private func shutdown() async {
        await stop()
        try? await http.shutdown()
        await source.stop()
        await target.stop()
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// One request; `path` may be a full URL (a nextLink).
    func call(_ method: HTTPMethod, _ path: String, json: Any? = nil, raw: String? = nil,
              headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        } else if let raw {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: raw))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
    }

    /// Waits for an operation to end (the job's own task: no polling, no sleep), then reads its monitor.
    func finished(_ id: String) async throws -> Answer {
        await server.center.wait(id)
        return try await call(.GET, "/v1/operations/\(id)")
    }
}
