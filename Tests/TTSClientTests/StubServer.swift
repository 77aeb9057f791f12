import Foundation
import Hummingbird
import Logging
import TTSClient

/// A request as the stub server saw it, with the raw (still percent-encoded) path.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: String?
    /// Header names lower-cased.
    var headers: [String: String]
    var body: Data

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object with sorted keys, for exact comparisons independent of key order.
    var canonicalJSON: String? {
        guard let object = try? JSONSerialization.jsonObject(with: body),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

struct StubResponse: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: String = ""
    /// Sleep this long before answering (to provoke client timeouts).
    var delay: Duration? = nil

    static func json(_ status: Int = 200, _ body: String, headers: [String: String] = [:]) -> StubResponse {
        StubResponse(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: body)
    }

    static func watsonError(_ status: Int, _ reason: String, _ message: String, transaction: String? = nil) -> StubResponse {
        .json(status, #"{"code":\#(status),"code_description":"\#(reason)","error":"\#(message)"}"#,
              headers: transaction.map { ["X-Global-Transaction-Id": $0] } ?? [:])
    }
}

actor RequestLog {
    private(set) var requests: [RecordedRequest] = []
    func append(_ request: RecordedRequest) { requests.append(request) }
    func count(path: String) -> Int { requests.filter { $0.path == path }.count }
}

/// Stub service on 127.0.0.1 with an ephemeral port. The handler sees every request (any method, any path).
struct StubServer: Sendable {
    let url: String
    let log: RequestLog

    var requests: [RecordedRequest] { get async { await log.requests } }
}

func withStubServer<T: Sendable>(
    _ handler: @escaping @Sendable (RecordedRequest) async -> StubResponse,
    _ body: (StubServer) async throws -> T
) async throws -> T {
    let log = RequestLog()
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let responder = CallbackResponder<BasicRequestContext> { request, _ in
        let bodyBuffer = try await request.body.collect(upTo: 32 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: headers, body: Data(bodyBuffer.readableBytesView))
        await log.append(recorded)
        let answer = await handler(recorded)
        if let delay = answer.delay { try? await Task.sleep(for: delay) }
        var fields = HTTPFields()
        // HTTPField itself is not re-exported by Hummingbird; it is HTTPFields' element type.
        for (name, value) in answer.headers { fields.append(HTTPFields.Element(name: .init(name)!, value: value)) }
        return Response(status: .init(code: answer.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
    var logger = Logger(label: "stub-server")
    logger.logLevel = .critical
    let app = Application(
        responder: responder,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
        logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw StubFailure("stub server did not start") }
        do {
            let result = try await body(StubServer(url: "http://127.0.0.1:\(port)", log: log))
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

struct StubFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Records back-off waits instead of sleeping, so retry tests are fast and can check the waits exactly.
actor SleepLog {
    private(set) var delays: [Duration] = []
    func add(_ delay: Duration) { delays.append(delay) }
}

/// Retry policy for tests: tiny waits (and they are recorded, not slept, when a SleepLog is given).
let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .seconds(5), jitter: 0)

/// A client for a stub server. The timeouts are generous because the whole suite runs in parallel: on a loaded
/// CI machine a 150 ms stub answer has taken seconds, and a timed-out attempt is retried while the stub still holds
/// it, which breaks tests that count requests. Tests about timeouts pass their own.
func withClient<T: Sendable>(
    _ url: String, authentication: Authentication = .none, retry: RetryPolicy = fastRetry,
    requestTimeout: Duration = .seconds(60), maxConcurrentRequests: Int = 8, sleeps: SleepLog? = nil,
    logger: Logger = Logger(label: "test-client"),
    _ body: (TextToSpeechClient) async throws -> T
) async throws -> T {
    var configuration = ClientConfiguration(requestTimeout: requestTimeout, connectTimeout: .seconds(30),
                                            maxConcurrentRequests: maxConcurrentRequests, retry: retry)
    if let sleeps { configuration.sleep = { await sleeps.add($0) } }
    return try await TextToSpeechClient.withClient(
        credentials: ServiceCredentials(serviceURL: url, authentication: authentication), configuration: configuration,
        logger: logger, body)
}

/// Keeps every log line (message and metadata) at every level, to check what the client logs.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var storedLines: [String] = []

    var lines: [String] { lock.withLock { storedLines } }
    func append(_ line: String) { lock.withLock { storedLines.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "captured") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}

/// Runs `body` and returns the ServiceError it throws (nil if it throws nothing or something else).
func serviceError(_ body: () async throws -> Void) async -> ServiceError? {
    do {
        try await body()
        return nil
    } catch let error as ServiceError {
        return error
    } catch {
        return nil
    }
}

/// An unsigned JWT with the given claims, like the ones IAM issues (the client reads only iat/exp).
func makeJWT(iat: Double, exp: Double, subject: String = "test") -> String {
    func b64(_ s: String) -> String {
        Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    return b64(#"{"alg":"none","typ":"JWT"}"#) + "." + b64(#"{"iat":\#(Int(iat)),"exp":\#(Int(exp)),"sub":"\#(subject)"}"#) + ".sig"
}
