import Foundation

/// Produces the `Authorization` header of service requests.
enum Authorizer: Sendable {
    /// Basic, bearer or none: a header that never changes.
    case fixed(String?)
    /// IAM or CP4D: a token fetched, cached and refreshed by the manager.
    case tokens(TokenManager)

    static func basic(username: String, password: String) -> String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    func header() async throws -> String? {
        switch self {
        case .fixed(let header): header
        case .tokens(let manager): "Bearer " + (try await manager.token())
        }
    }

    var canRefresh: Bool {
        if case .tokens = self { true } else { false }
    }

    /// Drops the cached token if it is the one that was refused.
    func invalidate(_ header: String) async {
        if case .tokens(let manager) = self { await manager.invalidate(String(header.dropFirst("Bearer ".count))) }
    }
}
