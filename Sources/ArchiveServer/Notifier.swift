import ArchiveCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Reports an ended scheduled operation (failed ones, or every one with `on: always`) to a webhook (POST, JSON;
/// retried with exponential backoff, each attempt bounded by the timeout) and/or a command (the same JSON on its
/// standard input, and `TTS_ARCHIVE_*` variables). Deliveries run on their own tasks: a webhook that is down or
/// slow never delays or fails the run it reports. The webhook's URL is never logged whole (only its host): it may
/// hold a secret (a chat service's incoming-webhook URL does).
final class Notifier: Sendable {
    let settings: NotificationSettings
    let logger: Logger
    /// First retry after this many seconds, then twice as long each time.
    let backoff: Double
    private let pending = PendingTasks()

    init(settings: NotificationSettings, logger: Logger, backoff: Double = 1) {
        self.settings = settings
        self.logger = logger
        self.backoff = backoff
    }

    /// The JSON document a webhook receives.
    struct Payload: Encodable {
        struct ErrorBody: Encodable { var code: String; var message: String }
        struct Links: Encodable { var operation: String; var result: String; var snapshot: String? }
        var operationId: String
        var kind: String
        var trigger: String
        var source: String?
        var target: String?
        var status: String
        var error: ErrorBody?
        var createdDateTime: String
        var lastActionDateTime: String
        var warnings: Int
        var links: Links
    }

    static func payload(_ o: OperationRecord, baseURL: String) -> Payload {
        let operation = "\(baseURL)/v1/operations/\(o.id)"
        return Payload(operationId: o.id, kind: o.kind, trigger: o.trigger.rawValue, source: o.source, target: o.target,
                       status: o.status.rawValue, error: o.errorCode.map { .init(code: $0, message: o.errorMessage ?? "") },
                       createdDateTime: o.createdAt, lastActionDateTime: o.lastActionAt, warnings: o.warnings.count,
                       links: .init(operation: operation, result: operation + "/result",
                                    snapshot: o.kind == "snapshot" && o.status == .succeeded ? o.snapshot.map { "\(baseURL)/v1/snapshots/\($0)" } : nil))
    }

    func shouldReport(_ o: OperationRecord) -> Bool {
        !settings.isEmpty && o.status.isTerminal && (settings.on == .always || o.status != .succeeded)
    }

    /// Starts the deliveries for `o` and returns at once.
    func report(_ o: OperationRecord, baseURL: String) {
        guard shouldReport(o) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(Self.payload(o, baseURL: baseURL)) else { return }
        if let url = settings.webhook {
            pending.add(Task { await self.post(body, to: url, operation: o.id) })
        }
        if let command = settings.command {
            pending.add(Task { await self.run(command, input: body, operation: o) })
        }
    }

    /// Waits for every delivery started so far.
    func drain() async { await pending.wait() }

    private func post(_ body: Data, to url: URL, operation: String) async {
        let host = url.host ?? "?"
        for attempt in 0 ... settings.retries {
            if attempt > 0 {
                let delay = backoff * pow(2, Double(attempt - 1))
                do { try await Task.sleep(for: .milliseconds(Int64(delay * 1000))) } catch { return }
            }
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "tts-archive-server")
            // A notification is rare: no idle connection is kept to the receiver between them.
            request.headers.add(name: "Connection", value: "close")
            request.body = .bytes(ByteBuffer(data: body))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(settings.timeout * 1000)))
                _ = try? await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) {
                    logger.info("notification sent", metadata: ["operation": "\(operation)", "webhook_host": "\(host)",
                                                                "status": "\(response.status.code)"])
                    return
                }
                logger.warning("notification refused", metadata: ["operation": "\(operation)", "webhook_host": "\(host)",
                                                                  "status": "\(response.status.code)", "attempt": "\(attempt + 1)"])
            } catch {
                logger.warning("notification failed", metadata: ["operation": "\(operation)", "webhook_host": "\(host)",
                                                                 "error": "\(type(of: error))", "attempt": "\(attempt + 1)"])
            }
        }
        logger.error("notification given up", metadata: ["operation": "\(operation)", "webhook_host": "\(host)",
                                                         "attempts": "\(settings.retries + 1)"])
    }

    private func run(_ command: [String], input: Data, operation o: OperationRecord) async {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        var environment = ProcessInfo.processInfo.environment
        environment["TTS_ARCHIVE_OPERATION_ID"] = o.id
        environment["TTS_ARCHIVE_KIND"] = o.kind
        environment["TTS_ARCHIVE_SOURCE"] = o.source ?? ""
        environment["TTS_ARCHIVE_STATUS"] = o.status.rawValue
        environment["TTS_ARCHIVE_ERROR_CODE"] = o.errorCode ?? ""
        process.environment = environment
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        let ended = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { p in
            ended.continuation.yield(p.terminationStatus)
            ended.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            logger.error("notification command did not start", metadata: ["operation": "\(o.id)", "command": "\(command[0])",
                                                                        "error": "\(error.localizedDescription)"])
            return
        }
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        let timeout = settings.timeout
        let killer = Task {
            try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
            process.terminate()
        }
        var status: Int32 = -1
        for await s in ended.stream { status = s }
        killer.cancel()
        if status == 0 {
            logger.info("notification command ran", metadata: ["operation": "\(o.id)", "command": "\(command[0])"])
        } else {
            logger.warning("notification command failed", metadata: ["operation": "\(o.id)", "command": "\(command[0])",
                                                                     "exit": "\(status)"])
        }
    }
}

/// Tasks still running, to wait for (tests, shutdown).
final class PendingTasks: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []
    func add(_ task: Task<Void, Never>) { lock.withLock { tasks.append(task) } }
    func wait() async {
        while true {
            let batch = lock.withLock { () -> [Task<Void, Never>] in
                let b = tasks
                tasks = []
                return b
            }
            if batch.isEmpty { return }
            for t in batch { await t.value }
        }
    }
}
