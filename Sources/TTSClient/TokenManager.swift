import Foundation

/// A bearer token with its schedule: used until `refreshAt`, then replaced; after `expiresAt` never sent.
struct IssuedToken: Sendable {
    var value: String
    var refreshAt: Date
    var expiresAt: Date

    /// Schedule as IBM's SDK core does it (reference §7.1): from the JWT's `iat`/`exp` when readable, refreshing
    /// once 80 % of the lifetime has passed and treating the token as expired 10 s early; otherwise from the
    /// token service's `expires_in`; otherwise an assumed lifetime.
    init(value: String, expiresIn: Double?, now: Date, assumedLifetime: Double = 20 * 60) {
        self.value = value
        if let claims = JWTClaims(token: value), let exp = claims.exp, let iat = claims.iat, exp > iat {
            refreshAt = Date(timeIntervalSince1970: exp - 0.2 * (exp - iat))
            expiresAt = Date(timeIntervalSince1970: exp - 10)
        } else {
            let lifetime = expiresIn.flatMap { $0 > 0 ? $0 : nil } ?? assumedLifetime
            refreshAt = now.addingTimeInterval(0.8 * lifetime)
            expiresAt = now.addingTimeInterval(max(lifetime - 10, 0.8 * lifetime))
        }
    }
}

/// The `iat`/`exp` claims of a JWT, read without verifying the signature (the client only schedules with them).
struct JWTClaims: Decodable {
    var iat: Double?
    var exp: Double?

    init?(token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let claims = try? JSONDecoder().decode(JWTClaims.self, from: data) else { return nil }
        self = claims
    }
}

/// Caches one token; concurrent callers share a single fetch. A failed proactive refresh falls back to the
/// still-valid old token.
actor TokenManager {
    private let fetch: @Sendable () async throws -> IssuedToken
    private let now: @Sendable () -> Date
    private var cached: IssuedToken?
    private var inFlight: (id: Int, task: Task<IssuedToken, any Error>)?
    private var nextFetchID = 0

    init(now: @escaping @Sendable () -> Date = { Date() }, fetch: @escaping @Sendable () async throws -> IssuedToken) {
        self.fetch = fetch
        self.now = now
    }

    func token() async throws -> String {
        let current = now()
        if let cached, current < cached.refreshAt { return cached.value }
        let fetchTask: (id: Int, task: Task<IssuedToken, any Error>)
        if let inFlight {
            fetchTask = inFlight
        } else {
            nextFetchID += 1
            fetchTask = (nextFetchID, Task { [fetch] in try await fetch() })
            inFlight = fetchTask
        }
        do {
            let issued = try await fetchTask.task.value
            if inFlight?.id == fetchTask.id {
                inFlight = nil
                cached = issued
            }
            return issued.value
        } catch {
            if inFlight?.id == fetchTask.id { inFlight = nil }
            if let cached, now() < cached.expiresAt { return cached.value }
            throw error
        }
    }

    /// Forgets `token` after the service refused it, unless a newer one already replaced it.
    func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }
}
