import Foundation
import HTTPTypes
import Hummingbird

/// The page's sessions: a random id in an HttpOnly, SameSite=Strict cookie that expires, kept in this process's
/// memory only (a restart logs everyone out), and the CSRF token every form that changes something carries. A
/// session holds whether its holder gave the API token (never the token itself).
final class PageSessions: Sendable {
    static let cookieName = "tts_archive_session"
    /// How long a session lives (not extended by use).
    static let lifetime: TimeInterval = 8 * 3600
    /// Sessions kept at most; the oldest go first (anonymous sessions cost a visit each).
    static let capacity = 10_000

    struct Session: Sendable, Equatable {
        var id: String
        var csrf: String
        /// Its holder gave the API token at the login form.
        var authenticated: Bool
        var expires: Date
    }

    private let lock = NSLock()
    nonisolated(unsafe) private var sessions: [String: Session] = [:]
    let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = Date.init) { self.now = now }

    /// 32 random bytes (the system's secure generator) as hex.
    static func randomID() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    func create(authenticated: Bool) -> Session {
        let session = Session(id: Self.randomID(), csrf: Self.randomID(), authenticated: authenticated,
                              expires: now().addingTimeInterval(Self.lifetime))
        lock.withLock {
            let t = now()
            sessions = sessions.filter { $0.value.expires > t }
            if sessions.count >= Self.capacity, let oldest = sessions.values.min(by: { $0.expires < $1.expires }) {
                sessions[oldest.id] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    func session(id: String) -> Session? {
        lock.withLock {
            guard let s = sessions[id] else { return nil }
            guard s.expires > now() else {
                sessions[id] = nil
                return nil
            }
            return s
        }
    }

    func remove(id: String) { lock.withLock { sessions[id] = nil } }

    /// The session a request's cookie names, if it is alive.
    func session(of request: Request) -> Session? {
        Self.cookie(in: request).flatMap { session(id: $0) }
    }

    static func cookie(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    /// The Set-Cookie value of a session (`nil`: one that clears the cookie).
    func setCookie(_ session: Session?) -> String {
        guard let session else { return "\(Self.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" }
        let seconds = max(0, Int(session.expires.timeIntervalSince(now()).rounded()))
        return "\(Self.cookieName)=\(session.id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(seconds)"
    }

    /// Constant-time comparison of a form's or header's CSRF token with the session's.
    static func csrfMatches(_ given: String?, _ session: Session) -> Bool {
        guard let given else { return false }
        return BearerToken.matches(Array(given.utf8), Array(session.csrf.utf8))
    }
}

/// Who may do what on the page, and the session cookie standing for the token on the API calls the page's script
/// makes (issue 21). Reading needs nothing when the server has no token (loopback) or runs with `--public-read`;
/// otherwise it needs a session that gave the token. Changing something (starting an operation) needs the token
/// holder's session (or no token configured) and the session's CSRF token.
struct PageAccess: Sendable {
    let token: [UInt8]?
    let publicRead: Bool
    let sessions: PageSessions

    /// The page's own paths: their access is the page's (HTML login, not the API's 401).
    static func isPagePath(_ path: String) -> Bool {
        path == "/" || ["/diff", "/words", "/operations", "/login", "/logout"].contains(path)
            || path.hasPrefix("/snapshots/") || path.hasPrefix("/static/")
    }

    func mayRead(_ session: PageSessions.Session?) -> Bool {
        token == nil || publicRead || session?.authenticated == true
    }

    func mayWrite(_ session: PageSessions.Session?) -> Bool {
        token == nil || session?.authenticated == true
    }

    /// An API request carrying a token holder's session cookie: reads pass; anything else also needs the session's
    /// CSRF token in `X-CSRF-Token` (a cookie alone is what a forged cross-site request would carry).
    func sessionAllowsAPI(_ request: Request) -> Bool {
        guard let session = sessions.session(of: request), session.authenticated else { return false }
        if request.method == .get || request.method == .head { return true }
        let header = HTTPField.Name("X-CSRF-Token").flatMap { request.headers[$0] }
        return PageSessions.csrfMatches(header, session)
    }
}
