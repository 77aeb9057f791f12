import Foundation

/// Where the service lives and how to authenticate to it: the resolved result of
/// ``CredentialProperties/resolve()``, or built directly by a caller that has its own configuration.
public struct ServiceCredentials: Sendable, Equatable, CustomStringConvertible {
    /// Service URL, possibly with an instance path (`https://api.../instances/ID`); operation paths are appended.
    public var serviceURL: String
    public var authentication: Authentication
    /// Skip TLS certificate verification towards the service (self-signed CP4D routes, test setups).
    public var disableSSL: Bool
    /// Skip TLS certificate verification towards the token service (IAM or CP4D).
    public var authDisableSSL: Bool

    public init(serviceURL: String, authentication: Authentication, disableSSL: Bool = false, authDisableSSL: Bool = false) {
        self.serviceURL = serviceURL
        self.authentication = authentication
        self.disableSSL = disableSSL
        self.authDisableSSL = authDisableSSL
    }

    public var description: String {
        "\(authentication.typeName) credentials for \(ServiceURL.redacted(serviceURL))"
    }
}

/// The authentication schemes of IBM's SDKs (reference §7).
public enum Authentication: Sendable, Equatable {
    /// IBM Cloud IAM: the API key is exchanged for a bearer token at `{authURL}/identity/token`.
    /// `clientID`/`clientSecret` (both or neither) add HTTP basic auth to the token request; `scope` is passed on.
    case iam(apiKey: Secret, authURL: String = Authentication.defaultIAMURL,
             clientID: String? = nil, clientSecret: Secret? = nil, scope: String? = nil)
    /// HTTP basic: `apikey:KEY` or a user name and password.
    case basic(username: String, password: Secret)
    /// A bearer token managed by the caller; never refreshed.
    case bearerToken(Secret)
    /// Cloud Pak for Data: `POST {authURL}/v1/authorize` with a user name and a password or API key.
    case cloudPakForData(authURL: String, username: String, secret: CloudPakSecret)
    /// No `Authorization` header (the local emulator, or a proxy that authenticates).
    case none

    public static let defaultIAMURL = "https://iam.cloud.ibm.com"

    public enum CloudPakSecret: Sendable, Equatable {
        case password(Secret)
        case apiKey(Secret)
    }

    /// The SDK's `AUTH_TYPE` spelling of this scheme.
    public var typeName: String {
        switch self {
        case .iam: "iam"
        case .basic: "basic"
        case .bearerToken: "bearerToken"
        case .cloudPakForData: "cp4d"
        case .none: "noAuth"
        }
    }

    /// Every secret value, so text received from elsewhere can be scrubbed before it reaches an error or log.
    var secretValues: [String] {
        let secrets: [Secret?] = switch self {
        case .iam(let key, _, _, let clientSecret, _): [key, clientSecret]
        case .basic(_, let password): [password]
        case .bearerToken(let token): [token]
        case .cloudPakForData(_, _, .password(let s)), .cloudPakForData(_, _, .apiKey(let s)): [s]
        case .none: []
        }
        return secrets.compactMap { $0?.value }.filter { !$0.isEmpty }
    }
}

/// Service URL handling shared by the client and credential validation.
enum ServiceURL {
    /// `scheme://[userinfo@]host[:port]/path` without query or fragment and without trailing `/`, the base that
    /// operation paths are appended to; `nil` unless http(s) with a host.
    static func base(_ string: String) -> String? {
        guard var components = URLComponents(string: string.trimmingCharacters(in: .whitespaces)),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return nil }
        components.query = nil
        components.fragment = nil
        guard var base = components.string else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The URL as it may be recorded or printed: no user info, no query (either may carry a secret).
    static func redacted(_ string: String) -> String {
        guard var components = URLComponents(string: string.trimmingCharacters(in: .whitespaces)),
              components.host != nil
        else { return "<invalid URL>" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        var text = components.string ?? "<invalid URL>"
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
