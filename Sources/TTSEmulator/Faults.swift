import Basics
import Foundation

/// What an injected fault does to a request.
public enum Fault: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Answer with this status and a Watson error body; 429 and 503 carry `Retry-After`.
    case status(Int)
    /// Close the connection without answering.
    case drop

    public var description: String {
        switch self {
        case .status(let s): String(s)
        case .drop: "drop"
        }
    }

    /// `429`, `500`, `503`, ... or `drop`.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "drop" { self = .drop; return }
        guard let s = Int(t), (400...599).contains(s) else { return nil }
        self = .status(s)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self), let f = Fault(String(n)) { self = f; return }
        guard let f = Fault(try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a 4xx/5xx status or \"drop\"")
        }
        self = f
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .status(let s): try c.encode(s)
        case .drop: try c.encode("drop")
        }
    }
}

/// Random faults, deterministic under ``seed``: whether request number n (1-based, counting `/v1`
/// requests only) fails depends only on (seed, n), never on timing.
public struct FaultPlan: Sendable, Equatable, Codable {
    public var tooManyRequestsRate: Double
    public var internalErrorRate: Double
    public var unavailableRate: Double
    public var dropRate: Double
    /// Added to every `/v1` request before it is handled.
    public var latencyMilliseconds: Int
    /// Sent as `Retry-After` with 429 and 503.
    public var retryAfterSeconds: Int
    public var seed: UInt64

    public init(tooManyRequestsRate: Double = 0, internalErrorRate: Double = 0, unavailableRate: Double = 0,
                dropRate: Double = 0, latencyMilliseconds: Int = 0, retryAfterSeconds: Int = 1, seed: UInt64 = 0) {
        self.tooManyRequestsRate = tooManyRequestsRate
        self.internalErrorRate = internalErrorRate
        self.unavailableRate = unavailableRate
        self.dropRate = dropRate
        self.latencyMilliseconds = latencyMilliseconds
        self.retryAfterSeconds = retryAfterSeconds
        self.seed = seed
    }

    public static let none = FaultPlan()

    enum CodingKeys: String, CodingKey {
        case tooManyRequestsRate = "rate_429", internalErrorRate = "rate_500", unavailableRate = "rate_503"
        case dropRate = "rate_drop", latencyMilliseconds = "latency_ms", retryAfterSeconds = "retry_after"
        case seed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tooManyRequestsRate: try c.decodeIfPresent(Double.self, forKey: .tooManyRequestsRate) ?? 0,
            internalErrorRate: try c.decodeIfPresent(Double.self, forKey: .internalErrorRate) ?? 0,
            unavailableRate: try c.decodeIfPresent(Double.self, forKey: .unavailableRate) ?? 0,
            dropRate: try c.decodeIfPresent(Double.self, forKey: .dropRate) ?? 0,
            latencyMilliseconds: try c.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0,
            retryAfterSeconds: try c.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? 1,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0)
    }

    /// Parses the rates of `--fault-rate`: `429=0.05,503=0.05,500=0.01,drop=0.02`.
    public mutating func setRates(_ spec: String) throws {
        for part in spec.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let rate = Double(kv[1]), (0...1).contains(rate) else {
                throw EmulatorConfigurationError("invalid fault rate '\(part)': expected KIND=RATE with RATE in 0...1")
            }
            switch kv[0].lowercased() {
            case "429": tooManyRequestsRate = rate
            case "500": internalErrorRate = rate
            case "503": unavailableRate = rate
            case "drop": dropRate = rate
            default: throw EmulatorConfigurationError("unknown fault kind '\(kv[0])': use 429, 500, 503 or drop")
            }
        }
        guard tooManyRequestsRate + internalErrorRate + unavailableRate + dropRate <= 1 else {
            throw EmulatorConfigurationError("fault rates add up to more than 1")
        }
    }

    /// The random fault for request n, if any.
    func fault(forRequest n: Int) -> Fault? {
        let r = Double(SplitMix64.mix(seed &+ UInt64(n) &* 0x9E37_79B9_7F4A_7C15) >> 11) / Double(1 << 53)
        var edge = tooManyRequestsRate
        if r < edge { return .status(429) }
        edge += internalErrorRate
        if r < edge { return .status(500) }
        edge += unavailableRate
        if r < edge { return .status(503) }
        edge += dropRate
        if r < edge { return .drop }
        return nil
    }
}

/// A targeted fault: the next `remaining` requests matching a method and a path prefix fail.
public struct FaultRule: Sendable, Equatable, Codable {
    /// `GET`, `POST`, ...; nil matches any method.
    public var method: String?
    /// Matched against the path from `/v1/` on (any `/instances/x` prefix removed), still percent-encoded.
    public var pathPrefix: String
    public var remaining: Int
    public var fault: Fault

    public init(method: String? = nil, pathPrefix: String = "/v1/", remaining: Int, fault: Fault) {
        self.method = method?.uppercased()
        self.pathPrefix = pathPrefix
        self.remaining = remaining
        self.fault = fault
    }

    enum CodingKeys: String, CodingKey {
        case method, pathPrefix = "path_prefix", remaining = "count", fault
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(method: try c.decodeIfPresent(String.self, forKey: .method),
                  pathPrefix: try c.decodeIfPresent(String.self, forKey: .pathPrefix) ?? "/v1/",
                  remaining: try c.decodeIfPresent(Int.self, forKey: .remaining) ?? 1,
                  fault: try c.decodeIfPresent(Fault.self, forKey: .fault) ?? .status(500))
    }
}

/// Decides, per `/v1` request, whether to inject a fault. Order: a fault pinned to the request's number,
/// then the first matching ``FaultRule``, then the random ``FaultPlan``.
public final class FaultInjector: @unchecked Sendable {
    private let lock = NSLock()
    private var plan: FaultPlan
    private var rules: [FaultRule] = []
    private var pinned: [Int: Fault] = [:]
    private var holds: [RequestHold] = []
    private var counter = 0
    /// Holds made through the admin API (`/_emulator/holds`), by number.
    let namedHolds = NamedHolds()

    public init(plan: FaultPlan = .none) { self.plan = plan }

    public var currentPlan: FaultPlan {
        get { lock.withLock { plan } }
        set { lock.withLock { plan = newValue } }
    }

    /// Number of `/v1` requests seen so far.
    public var requestCount: Int { lock.withLock { counter } }

    /// Fails request number n (1-based, `/v1` requests since start or the last ``reset()``).
    public func failRequest(number: Int, with fault: Fault = .status(500)) {
        lock.withLock { pinned[number] = fault }
    }

    /// Fails the next `count` requests with this method (nil: any) whose path starts with `pathPrefix`.
    public func failNext(count: Int, method: String? = nil, pathPrefix: String = "/v1/", with fault: Fault = .status(500)) {
        lock.withLock { rules.append(FaultRule(method: method, pathPrefix: pathPrefix, remaining: count, fault: fault)) }
    }

    public func addRule(_ rule: FaultRule) { lock.withLock { rules.append(rule) } }

    func addHold(_ hold: RequestHold) { lock.withLock { holds.append(hold) } }

    /// The hold that claims this request, if any (see ``hold(_:_:skip:)``).
    func holdFor(method: String, path: String) -> RequestHold? {
        let candidates = lock.withLock { holds }
        for h in candidates where h.claims(method: method, path: path) {
            lock.withLock { holds.removeAll { $0 === h } }
            return h
        }
        return nil
    }

    /// Clears targeted faults and the plan; restarts request numbering.
    public func reset() {
        lock.withLock {
            plan = .none
            rules = []
            pinned = [:]
            counter = 0
        }
    }

    struct Decision {
        var number: Int
        var fault: Fault?
        var latencyMilliseconds: Int
        var retryAfterSeconds: Int
    }

    func decide(method: String, path: String) -> Decision {
        lock.withLock {
            counter += 1
            var d = Decision(number: counter, fault: nil, latencyMilliseconds: plan.latencyMilliseconds,
                             retryAfterSeconds: plan.retryAfterSeconds)
            if let f = pinned.removeValue(forKey: counter) {
                d.fault = f
            } else if let i = rules.firstIndex(where: {
                ($0.method == nil || $0.method == method) && path.hasPrefix($0.pathPrefix)
            }) {
                d.fault = rules[i].fault
                rules[i].remaining -= 1
                if rules[i].remaining <= 0 { rules.remove(at: i) }
            } else {
                d.fault = plan.fault(forRequest: counter)
            }
            return d
        }
    }
}

public struct EmulatorConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
