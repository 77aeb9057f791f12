import Foundation

/// Tuning of a ``TextToSpeechClient``.
public struct ClientConfiguration: Sendable {
    /// Deadline of one attempt (connect, send, full answer); retries get a fresh one.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    /// Requests in flight at once; further callers wait (a retry's back-off sleep holds no slot).
    public var maxConcurrentRequests: Int
    public var retry: RetryPolicy
    public var userAgent: String
    /// Largest answer accepted; a full model (20,000 entries of up to 49 + 499 characters) is ~15 MB.
    public var maxResponseBytes: Int
    /// How back-off waits are done; replaceable so tests can record delays instead of sleeping.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        requestTimeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(10),
        maxConcurrentRequests: Int = 8,
        retry: RetryPolicy = RetryPolicy(),
        userAgent: String = "tts-archive",
        maxResponseBytes: Int = 64 << 20,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        self.retry = retry
        self.userAgent = userAgent
        self.maxResponseBytes = maxResponseBytes
        self.sleep = sleep
    }
}

/// Exponential back-off with jitter for 429, 500, 502, 503, 504 and connection failures.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first included (1 = never retry).
    public var maxAttempts: Int
    /// Wait before the first retry; doubled for each further one.
    public var baseDelay: Duration
    /// Cap on any wait, including one asked for by `Retry-After`.
    public var maxDelay: Duration
    /// Fraction (0...1) of the back-off that is randomised away, so parallel clients do not retry in lock step.
    public var jitter: Double

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
                jitter: Double = 0.25) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
    }

    public static let never = RetryPolicy(maxAttempts: 1)

    /// HTTP statuses worth another attempt.
    public static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// The wait after failed attempt `attempt` (1-based). A `Retry-After` from the service wins over the
    /// back-off, capped by ``maxDelay``. `random` is in 0..<1.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil,
                      random: Double = Double.random(in: 0..<1)) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maxDelay) }
        let exponent = min(max(attempt - 1, 0), 30)
        let backoff = min(baseDelay * (1 << exponent), maxDelay)
        return backoff * (1 - jitter * random)
    }

    /// Parses a `Retry-After` value: delta seconds or an HTTP date (RFC 9110 IMF-fixdate).
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        let interval = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64((interval * 1000).rounded()))
    }
}
