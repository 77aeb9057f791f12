import Basics
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TTSAPI

/// One HTTP exchange as the retry loop sees it.
struct Call: Sendable {
    enum RetryMode: Sendable {
        /// Safe to repeat (every call but create-model; the word and update calls overwrite, so they are too).
        case idempotent
        /// Repeat only when the request provably was not processed (429, connect failure); see ``ServiceError/Kind/ambiguousCreate``.
        case onlyIfNotProcessed
    }

    enum Target: Sendable {
        /// The Text to Speech service; `namesCustomization` when the path has a customization ID (401 then
        /// may mean "unknown ID").
        case service(namesCustomization: Bool)
        /// IAM or CP4D token service: any 400/401/403 there is a credentials problem.
        case tokenService(insecureTLS: Bool)
    }

    var method: HTTPMethod
    var url: String
    /// For errors and logs: the operation path, no host, prefix or query.
    var path: String
    var headers: HTTPHeaders = [:]
    var body: Data? = nil
    var retryMode: RetryMode = .idempotent
    var target: Target
}

/// An answer body longer than ``ClientConfiguration/maxResponseBytes``: reading stopped there.
struct AnswerTooLarge: Error {
    var status: Int
    var limit: Int
    var transactionID: String?

    var message: String {
        let size = limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes"
        return "the answer is larger than \(size), the most read of one answer and far more than the service sends; "
            + "check that the URL is that of a Text to Speech instance"
    }
}

/// A 2xx answer.
struct Answer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    var contentType: String? { headers.first(name: "content-type") }
}

/// Sends calls with the concurrency limit, retries with back-off, authentication and one refresh on 401,
/// and turns every failure into a ``ServiceError``. Holds no reference to the client, so a token manager
/// can use it without a retain cycle.
struct Transport: Sendable {
    let httpClient: HTTPClient
    let configuration: ClientConfiguration
    let logger: Logger
    let scrubber: Scrubber
    let semaphore: AsyncSemaphore
    let serviceTLSInsecure: Bool

    func send(_ call: Call, authorizer: Authorizer = .fixed(nil)) async throws -> Answer {
        let policy = configuration.retry
        var attempt = 0
        var refreshedAfter401 = false
        while true {
            attempt += 1
            let authorization = try await authorizer.header()
            let started = ContinuousClock.now
            let response: (HTTPClientResponse, Data)
            do {
                response = try await execute(call, authorization: authorization)
            } catch is CancellationError {
                throw CancellationError()
            } catch let tooLarge as AnswerTooLarge {
                // Not a transport failure (NIO's `NIOTooManyBytesError(maxBytes:)`): an answer no service sends.
                log(call, "\(tooLarge.status), answer over \(tooLarge.limit) bytes", started, attempt, retryIn: nil)
                throw ServiceError(kind: .malformedResponse, method: call.method.rawValue, path: call.path, status: tooLarge.status,
                                   message: tooLarge.message, transactionID: tooLarge.transactionID.map { scrubber.clean($0, limit: 100) },
                                   attempts: attempt)
            } catch {
                let failure = TransportFailure(error)
                let retryable = failure.isRetryable && (call.retryMode == .idempotent || failure.requestWasNotSent)
                if retryable && attempt < policy.maxAttempts {
                    let delay = policy.delay(afterAttempt: attempt)
                    log(call, "\(failure)", started, attempt, retryIn: delay)
                    try await configuration.sleep(delay)
                    continue
                }
                log(call, "\(failure)", started, attempt, retryIn: nil)
                let ambiguous = call.retryMode == .onlyIfNotProcessed && !failure.requestWasNotSent
                throw ServiceError(kind: ambiguous ? .ambiguousCreate : .transport, method: call.method.rawValue,
                                   path: call.path, transportFailure: failure, attempts: attempt)
            }
            let (head, body) = response
            let status = Int(head.status.code)
            if (200..<300).contains(status) {
                log(call, "\(status)", started, attempt, retryIn: nil)
                return Answer(status: status, headers: head.headers, body: body)
            }
            if status == 401, authorizer.canRefresh, !refreshedAfter401 {
                // A token can be revoked or expire early; one fresh token, not counted as an attempt.
                refreshedAfter401 = true
                log(call, "401, fetching a new token", started, attempt, retryIn: nil)
                if let authorization { await authorizer.invalidate(authorization) }
                attempt -= 1
                continue
            }
            let retryable = RetryPolicy.retryableStatuses.contains(status)
                && (call.retryMode == .idempotent || status == 429)
            if retryable && attempt < policy.maxAttempts {
                let retryAfter = head.headers.first(name: "retry-after").flatMap { RetryPolicy.parseRetryAfter($0) }
                let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter)
                log(call, "\(status)", started, attempt, retryIn: delay)
                try await configuration.sleep(delay)
                continue
            }
            log(call, "\(status)", started, attempt, retryIn: nil)
            throw statusError(call, status: status, headers: head.headers, body: body, attempts: attempt)
        }
    }

    private func execute(_ call: Call, authorization: String?) async throws -> (HTTPClientResponse, Data) {
        var request = HTTPClientRequest(url: call.url)
        request.method = call.method
        request.headers = call.headers
        request.headers.replaceOrAdd(name: "User-Agent", value: configuration.userAgent)
        if let authorization { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
        if let body = call.body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let timeout = TimeAmount.nanoseconds(Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000
                                             + configuration.requestTimeout.components.attoseconds / 1_000_000_000)
        let prepared = request
        let work: @Sendable () async throws -> (HTTPClientResponse, Data) = { [httpClient, configuration] in
            var request = prepared
            if case .tokenService(let insecure) = call.target, insecure != serviceTLSInsecure {
                // The token service may have its own TLS setting (AUTH_DISABLE_SSL).
                request.tlsConfiguration = HTTPClient.Configuration(certificateVerification: insecure ? .none : .fullVerification)
                    .tlsConfiguration
            }
            let response = try await httpClient.execute(request, timeout: timeout)
            do {
                let buffer = try await response.body.collect(upTo: configuration.maxResponseBytes)
                return (response, Data(buffer.readableBytesView))
            } catch is NIOTooManyBytesError {
                throw AnswerTooLarge(status: Int(response.status.code), limit: configuration.maxResponseBytes,
                                     transactionID: response.headers.first(name: "x-global-transaction-id"))
            }
        }
        switch call.target {
        case .service: return try await semaphore.withPermit(work)
        // Token fetches bypass the limit: requests holding every slot may be the ones waiting for the token.
        case .tokenService: return try await work()
        }
    }

    private func statusError(_ call: Call, status: Int, headers: HTTPHeaders, body: Data, attempts: Int) -> ServiceError {
        let info = AnswerBody.errorInfo(body, contentType: headers.first(name: "content-type"), scrubber: scrubber)
        let kind: ServiceError.Kind
        switch (status, call.target) {
        case (400, .tokenService), (401, .tokenService), (403, _): kind = .authentication
        case (401, .service(let namesCustomization)):
            kind = namesCustomization && !info.fromGateway ? .unknownCustomization : .authentication
        case (400, _): kind = .badRequest
        case (404, _): kind = .notFound
        case (429, _): kind = .rateLimited
        case (500..., _) where call.retryMode == .onlyIfNotProcessed: kind = .ambiguousCreate
        case (500..., _): kind = .serverError
        default: kind = .unexpectedStatus
        }
        let transactionID = headers.first(name: "x-global-transaction-id").map { scrubber.clean($0, limit: 100) }
        return ServiceError(kind: kind, method: call.method.rawValue, path: call.path, status: status,
                            message: info.message, transactionID: transactionID, attempts: attempts)
    }

    /// Decodes a 2xx answer; an unusable body becomes a ``ServiceError/Kind/malformedResponse``.
    func decode<T: Decodable>(_ type: T.Type, _ call: Call, _ answer: Answer) throws(ServiceError) -> T {
        do {
            return try AnswerBody.decode(type, from: answer.body, contentType: answer.contentType)
        } catch {
            throw malformed(call, answer, error)
        }
    }

    /// As ``decode(_:_:_:)`` with one of TTSAPI's hand-written decoders.
    func decode<T>(_ call: Call, _ answer: Answer,
                   _ fast: (UnsafeRawBufferPointer) throws(JSONScanError) -> T) throws(ServiceError) -> T {
        do {
            return try AnswerBody.decode(from: answer.body, contentType: answer.contentType, fast)
        } catch {
            throw malformed(call, answer, error)
        }
    }

    func malformed(_ call: Call, _ answer: Answer, _ problem: MalformedAnswer) -> ServiceError {
        ServiceError(kind: .malformedResponse, method: call.method.rawValue, path: call.path, status: answer.status,
                     message: "malformed answer: \(problem.reason)",
                     transactionID: answer.headers.first(name: "x-global-transaction-id"))
    }

    /// One debug line per attempt: method, path, outcome, duration. Never headers or bodies.
    private func log(_ call: Call, _ outcome: String, _ started: ContinuousClock.Instant, _ attempt: Int, retryIn: Duration?) {
        let elapsed = started.duration(to: .now)
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var line = "\(call.method.rawValue) \(call.path) \(outcome) \(ms) ms"
        if attempt > 1 { line += " (attempt \(attempt))" }
        if let retryIn {
            let wait = retryIn.components.seconds * 1000 + retryIn.components.attoseconds / 1_000_000_000_000_000
            line += ", retrying in \(wait) ms"
        }
        logger.debug("\(line)")
    }
}
