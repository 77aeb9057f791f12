import Foundation

/// All service instances of one emulator, and the credentials that lead to them.
///
/// Without API keys the emulator is one open instance (what IBM's SDKs call `noAuth`). With keys, each
/// key is its own instance (a fresh key = a fresh, empty instance), reachable by Basic `apikey:KEY` or by
/// a bearer token issued for that key. Keys are held only in memory and never printed.
public final class EmulatorStore: @unchecked Sendable {
    public let rules: ServiceRules
    /// Lifetime of issued tokens, in seconds (the real IAM issues 3600).
    public let tokenLifetime: Int

    private let lock = NSLock()
    private let openInstance: ServiceInstance
    private var byKey: [String: ServiceInstance] = [:]
    /// Keys in the order they were added; the first is the "primary" instance seeding targets.
    private var keyOrder: [String] = []
    private var tokens: [String: (instance: ServiceInstance, expires: Int)] = [:]

    public init(apiKeys: [String] = [], rules: ServiceRules = ServiceRules(), tokenLifetime: Int = 3600) {
        self.rules = rules
        self.tokenLifetime = tokenLifetime
        self.openInstance = ServiceInstance(rules: rules)
        for k in apiKeys { addAPIKey(k) }
    }

    /// Whether requests must carry credentials (true once any API key exists).
    public var authenticationRequired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !keyOrder.isEmpty
    }

    /// Adds a key (a new, empty instance) or returns the instance it already has.
    @discardableResult
    public func addAPIKey(_ key: String) -> ServiceInstance {
        lock.lock()
        defer { lock.unlock() }
        if let existing = byKey[key] { return existing }
        let instance = ServiceInstance(rules: rules)
        byKey[key] = instance
        keyOrder.append(key)
        return instance
    }

    public func instance(forAPIKey key: String) -> ServiceInstance? {
        lock.lock()
        defer { lock.unlock() }
        return byKey[key]
    }

    /// The instance seeding, generation and churn address by default: the first key's, or the open one.
    public var defaultInstance: ServiceInstance {
        lock.lock()
        defer { lock.unlock() }
        return keyOrder.first.flatMap { byKey[$0] } ?? openInstance
    }

    /// All instances, open one first then keys in order (for statistics).
    var allInstances: [ServiceInstance] {
        lock.lock()
        defer { lock.unlock() }
        return [openInstance] + keyOrder.compactMap { byKey[$0] }
    }

    // MARK: Tokens

    /// Issues a JWT-shaped bearer token for a key (IAM and CP4D). Without auth any key is accepted.
    func issueToken(forAPIKey key: String) -> IssuedToken? {
        let target: ServiceInstance
        if authenticationRequired {
            guard let i = instance(forAPIKey: key) else { return nil }
            target = i
        } else {
            target = openInstance
        }
        let token = IssuedToken.make(subject: target.owner, lifetime: tokenLifetime)
        lock.lock()
        defer { lock.unlock() }
        let now = Int(Date().timeIntervalSince1970)
        if tokens.count > 10_000 { tokens = tokens.filter { $0.value.expires > now } }
        tokens[token.accessToken] = (target, token.expiration)
        return token
    }

    /// Resolves the `Authorization` header to an instance; nil means 401.
    func authenticate(authorization: String?) -> ServiceInstance? {
        guard authenticationRequired else { return openInstance }
        guard let header = authorization else { return nil }
        if let b = header.dropPrefix(caseInsensitive: "Basic ") {
            guard let data = Data(base64Encoded: String(b).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":")
            else { return nil }
            // The user name is the literal `apikey` in IBM's convention; only the key identifies the instance.
            return instance(forAPIKey: String(text[text.index(after: colon)...]))
        }
        if let t = header.dropPrefix(caseInsensitive: "Bearer ") {
            let token = String(t).trimmingCharacters(in: .whitespaces)
            lock.lock()
            defer { lock.unlock() }
            guard let entry = tokens[token], Int(Date().timeIntervalSince1970) < entry.expires else { return nil }
            return entry.instance
        }
        return nil
    }
}

extension String {
    func dropPrefix(caseInsensitive prefix: String) -> Substring? {
        guard count >= prefix.count, self.prefix(prefix.count).lowercased() == prefix.lowercased() else { return nil }
        return dropFirst(prefix.count)
    }
}
