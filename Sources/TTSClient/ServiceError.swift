import NIOHTTP1

/// A failed call to the service or its token service. ``description`` is one line, e.g.
/// `GET /v1/customizations/abc: 401 Unauthorized: Invalid customization ID`.
///
/// The path is the operation path (no host, no instance prefix, no query); credentials never appear in it,
/// and text received from the server is scrubbed of the client's own secrets before it is kept.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Credentials refused: 401/403 from the gateway, or the token service refused to issue a token.
        case authentication
        /// 401 on a path naming a customization without the gateway's error shape: the service's answer for an
        /// unknown, deleted or other instance's ID (reference §2.3 (4)). Look at ``status`` to decide.
        case unknownCustomization
        /// 400: invalid input, or a word that is not in the model (the service answers 400, not 404).
        case badRequest
        /// 404: usually a wrong service URL (the gateway's "No Such Resource").
        case notFound
        /// 429 and still refused after the last attempt.
        case rateLimited
        /// 5xx after the last attempt.
        case serverError
        /// Any other status (3xx, 405, 409, 413, 415, ...).
        case unexpectedStatus
        /// No HTTP answer: connection refused, reset, dropped, timed out, TLS failure.
        case transport
        /// A 2xx answer that is not the JSON expected (HTML page, wrong content type, invalid JSON).
        case malformedResponse
        /// Create-model failed in a way that leaves open whether the model was created (5xx, connection lost
        /// after sending, timeout). It was not retried; list the models to reconcile before creating again.
        case ambiguousCreate
    }

    public let kind: Kind
    public let method: String
    public let path: String
    /// HTTP status, `nil` for transport failures.
    public let status: Int?
    public let transportFailure: TransportFailure?
    /// The server's message (`ServiceErrorBody.bestMessage`) or a short note on what was wrong with the answer.
    public let message: String?
    /// `X-Global-Transaction-Id` of the answer, for IBM support.
    public let transactionID: String?
    /// Attempts made, retries included.
    public let attempts: Int

    public init(kind: Kind, method: String, path: String, status: Int? = nil, transportFailure: TransportFailure? = nil,
                message: String? = nil, transactionID: String? = nil, attempts: Int = 1) {
        self.kind = kind
        self.method = method
        self.path = path
        self.status = status
        self.transportFailure = transportFailure
        self.message = message
        self.transactionID = transactionID
        self.attempts = attempts
    }

    public var isAuthenticationFailure: Bool { kind == .authentication }

    public var description: String {
        var cause: String
        if let status {
            let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
            cause = reason.isEmpty ? "\(status)" : "\(status) \(reason)"
            if let message, !message.isEmpty { cause += ": \(message)" }
        } else if let transportFailure {
            cause = transportFailure.description
            if let message, !message.isEmpty { cause += ": \(message)" }
        } else {
            cause = message ?? "failed"
        }
        var line = "\(method) \(path): "
        if kind == .ambiguousCreate {
            line += "outcome unknown, the model may have been created (\(cause)); list the models before creating again"
        } else {
            line += cause
        }
        if attempts > 1 { line += " (after \(attempts) attempts)" }
        if let transactionID { line += " [transaction \(transactionID)]" }
        return line
    }
}

/// Why no HTTP answer arrived.
public enum TransportFailure: Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens on the port: the request was provably not sent.
    case connectionRefused
    /// The connection could not be set up in time (also DNS failures): not sent.
    case connectFailed(String)
    /// TLS handshake or certificate failure: not sent, and not worth retrying.
    case tls(String)
    /// Reset or closed by the peer once the connection existed: the request may have been processed.
    case connectionLost
    /// No full answer before the deadline: the request may have been processed.
    case timeout
    case other(String)

    /// True when the failure happened before any byte of the request could reach the service.
    public var requestWasNotSent: Bool {
        switch self {
        case .connectionRefused, .connectFailed, .tls: true
        case .connectionLost, .timeout, .other: false
        }
    }

    var isRetryable: Bool {
        switch self {
        case .tls, .other: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectFailed(let detail): "could not connect (\(detail))"
        case .tls(let detail): "TLS failure (\(detail))"
        case .connectionLost: "connection lost before a full answer"
        case .timeout: "timed out"
        case .other(let detail): "transport error (\(detail))"
        }
    }
}
