import Foundation

/// A bearer token shaped like IAM's: `base64url(header).base64url(claims).signature`. IBM's SDK decodes it
/// without checking the signature and needs `iat` and `exp` (reference §7.1); the emulator recognises its
/// tokens by lookup, so the signature is just random bytes.
struct IssuedToken: Sendable {
    var accessToken: String
    var issuedAt: Int
    var expiration: Int

    static func make(subject: String, lifetime: Int) -> IssuedToken {
        let now = Int(Date().timeIntervalSince1970)
        let header = #"{"alg":"HS256","typ":"JWT","kid":"tts-archive-emulator"}"#
        let claims = #"{"iam_id":"iam-ServiceId-\#(subject)","sub":"ServiceId-\#(subject)","iss":"tts-archive-emulator","grant_type":"urn:ibm:params:oauth:grant-type:apikey","jti":"\#(GUID.random())","iat":\#(now),"exp":\#(now + lifetime)}"#
        var rng = SystemRandomNumberGenerator()
        let sig = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let token = base64url(Data(header.utf8)) + "." + base64url(Data(claims.utf8)) + "." + base64url(sig)
        return IssuedToken(accessToken: token, issuedAt: now, expiration: now + lifetime)
    }

    static func base64url(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
