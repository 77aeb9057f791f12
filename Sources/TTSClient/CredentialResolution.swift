/// Why credential properties cannot be used. Descriptions name properties, never their values.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension CredentialProperties {
    /// The auth types accepted in `AUTH_TYPE` (case-insensitive).
    public static let supportedAuthTypes = ["iam", "basic", "bearerToken", "cp4d", "noAuth"]

    /// Validates the properties and picks the authentication scheme.
    /// Without `AUTH_TYPE` the scheme is `iam` when an API key is present, as in IBM's SDKs.
    public func resolve() throws(CredentialError) -> ServiceCredentials {
        guard let url, !url.isEmpty else {
            throw CredentialError("missing service URL: set \(propertyName("URL")) (credentials file or environment)")
        }
        try checkNotQuoted(url, "URL")
        guard ServiceURL.base(url) != nil else {
            throw CredentialError("\(propertyName("URL")) is not an http or https URL")
        }
        let authentication = try resolveAuthentication()
        return ServiceCredentials(serviceURL: url, authentication: authentication,
                                  disableSSL: disableSSL ?? false, authDisableSSL: authDisableSSL ?? false)
    }

    private func resolveAuthentication() throws(CredentialError) -> Authentication {
        let type: String
        if let authType, !authType.isEmpty {
            type = authType.lowercased()
        } else if apiKey != nil {
            type = "iam"
        } else {
            throw CredentialError(
                "missing credentials: set \(propertyName("APIKEY")), or \(propertyName("AUTH_TYPE")) "
                    + "(\(Self.supportedAuthTypes.joined(separator: ", "))) with its properties")
        }
        switch type {
        case "iam":
            let key = try required(apiKey, "APIKEY", for: "iam")
            let base = try checkedAuthURL(authURL ?? Authentication.defaultIAMURL)
            if (clientID == nil) != (clientSecret == nil) {
                throw CredentialError("\(propertyName("CLIENT_ID")) and \(propertyName("CLIENT_SECRET")) must be set together")
            }
            if let clientSecret { try checkNotQuoted(clientSecret.value, "CLIENT_SECRET") }
            return .iam(apiKey: key, authURL: base, clientID: clientID, clientSecret: clientSecret, scope: scope)
        case "basic":
            // The documented `curl -u apikey:KEY` form: an API key alone means user name `apikey`.
            if let username, let password {
                try checkNotQuoted(username, "USERNAME")
                try checkNotQuoted(password.value, "PASSWORD")
                return .basic(username: username, password: password)
            }
            if username == nil, password == nil, let apiKey {
                try checkNotQuoted(apiKey.value, "APIKEY")
                return .basic(username: "apikey", password: apiKey)
            }
            throw CredentialError("basic authentication needs \(propertyName("USERNAME")) and \(propertyName("PASSWORD")) "
                                  + "(or only \(propertyName("APIKEY")))")
        case "bearertoken":
            return .bearerToken(try required(bearerToken, "BEARER_TOKEN", for: "bearerToken"))
        case "cp4d":
            guard let authURL else {
                throw CredentialError("cp4d authentication needs \(propertyName("AUTH_URL")) (the Cloud Pak for Data token URL)")
            }
            guard let username else {
                throw CredentialError("cp4d authentication needs \(propertyName("USERNAME"))")
            }
            let secret: Authentication.CloudPakSecret
            switch (password, apiKey) {
            case (let password?, nil): secret = .password(password)
            case (nil, let apiKey?): secret = .apiKey(apiKey)
            default:
                throw CredentialError("cp4d authentication needs exactly one of \(propertyName("PASSWORD")) and \(propertyName("APIKEY"))")
            }
            switch secret {
            case .password(let s): try checkNotQuoted(s.value, "PASSWORD")
            case .apiKey(let s): try checkNotQuoted(s.value, "APIKEY")
            }
            return .cloudPakForData(authURL: try checkedAuthURL(authURL), username: username, secret: secret)
        case "noauth":
            return .none
        default:
            // The auth type is not a secret, but keep the echo short in case someone pasted a key there.
            let shown = type.count <= 20 ? "'\(authType ?? type)'" : "value"
            throw CredentialError("unknown \(propertyName("AUTH_TYPE")) \(shown) "
                                  + "(expected \(Self.supportedAuthTypes.joined(separator: ", ")))")
        }
    }

    private func required(_ value: Secret?, _ property: String, for type: String) throws(CredentialError) -> Secret {
        guard let value, !value.value.isEmpty else {
            throw CredentialError("\(type) authentication needs \(propertyName(property))")
        }
        try checkNotQuoted(value.value, property)
        return value
    }

    private func checkedAuthURL(_ url: String) throws(CredentialError) -> String {
        try checkNotQuoted(url, "AUTH_URL")
        guard let base = ServiceURL.base(url) else {
            throw CredentialError("\(propertyName("AUTH_URL")) is not an http or https URL")
        }
        return base
    }

    /// IBM's cores reject values starting or ending with `{`, `}` or `"`: a quoted value in a credentials file
    /// (values are taken verbatim) or an unfilled `{apikey}` placeholder from the docs.
    private func checkNotQuoted(_ value: String, _ property: String) throws(CredentialError) {
        let bad: Set<Character> = ["{", "}", "\""]
        if let first = value.first, let last = value.last, bad.contains(first) || bad.contains(last) {
            throw CredentialError("\(propertyName(property)) must not start or end with {, } or \" "
                                  + "(values are taken verbatim: remove quotes or placeholders)")
        }
    }
}
