import Foundation

/// A bearer token with its schedule: used until `refreshAt`, then replaced; after `expiresAt` never sent.
struct ScheduledToken: Sendable {
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
