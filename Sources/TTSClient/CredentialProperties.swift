import Foundation

/// Credential properties read the way IBM's SDK cores read them (reference §7.6), before validation.
///
/// Properties are named `{PREFIX}_{PROPERTY}` where the prefix is the service name upper-cased with `-` and
/// space turned into `_` (`text_to_speech` → `TEXT_TO_SPEECH_URL`, `TEXT_TO_SPEECH_APIKEY`, ...). The first
/// source holding any property for the prefix wins as a whole (no merging): the credentials file, then the
/// environment. Command-line values are applied afterwards by assigning the fields, property by property.
public struct CredentialProperties: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case file(path: String)
        case environment
        /// Nothing found; only explicitly assigned values, if any.
        case none
    }

    public static let defaultServiceName = "text_to_speech"
    public static let credentialsFileName = "ibm-credentials.env"

    public var serviceName: String
    public var source: Source
    public var url: String?
    public var authType: String?
    public var apiKey: Secret?
    public var authURL: String?
    public var username: String?
    public var password: Secret?
    public var bearerToken: Secret?
    public var clientID: String?
    public var clientSecret: Secret?
    public var scope: String?
    public var disableSSL: Bool?
    public var authDisableSSL: Bool?

    public init(serviceName: String = CredentialProperties.defaultServiceName, source: Source = .none) {
        self.serviceName = serviceName
        self.source = source
    }

    /// `text_to_speech` → `TEXT_TO_SPEECH`.
    public static func prefix(forServiceName name: String) -> String {
        String(name.uppercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
    }

    /// The full property name for messages, e.g. `TEXT_TO_SPEECH_APIKEY`.
    public func propertyName(_ suffix: String) -> String { "\(Self.prefix(forServiceName: serviceName))_\(suffix)" }

    /// Loads properties from the first source that has any for `serviceName`.
    ///
    /// A pure function of its inputs: the file reader is injected (default: read a UTF-8 file, `nil` if absent).
    /// Files tried: `$IBM_CREDENTIALS_FILE` if set (and then only that one, as the SDK does), else
    /// `{currentDirectory}/ibm-credentials.env`, else `{homeDirectory}/ibm-credentials.env`.
    public static func load(
        serviceName: String = defaultServiceName,
        environment: [String: String],
        currentDirectory: String,
        homeDirectory: String,
        readFile: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }
    ) -> CredentialProperties {
        let prefix = self.prefix(forServiceName: serviceName) + "_"
        if let (path, text) = credentialsFile(environment: environment, currentDirectory: currentDirectory,
                                              homeDirectory: homeDirectory, readFile: readFile) {
            let pairs = parseCredentialsFile(text).filter { $0.key.hasPrefix(prefix) }
            let loaded = CredentialProperties(serviceName: serviceName, prefixedValues: pairs, source: .file(path: path))
            if loaded.hasAnyValue { return loaded }
        }
        let loaded = CredentialProperties(serviceName: serviceName,
                                          prefixedValues: environment.filter { $0.key.hasPrefix(prefix) },
                                          source: .environment)
        return loaded.hasAnyValue ? loaded : CredentialProperties(serviceName: serviceName)
    }

    private static func credentialsFile(
        environment: [String: String], currentDirectory: String, homeDirectory: String, readFile: (String) -> String?
    ) -> (String, String)? {
        if let explicit = environment["IBM_CREDENTIALS_FILE"], !explicit.isEmpty {
            return readFile(explicit).map { (explicit, $0) }
        }
        for directory in [currentDirectory, homeDirectory] where !directory.isEmpty {
            let path = (directory.hasSuffix("/") ? directory : directory + "/") + credentialsFileName
            if let text = readFile(path) { return (path, text) }
        }
        return nil
    }

    /// `KEY=VALUE` lines split at the first `=`; lines trimmed; blank and `#` lines ignored; no quote stripping.
    static func parseCredentialsFile(_ text: String) -> [String: String] {
        var pairs: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            pairs[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return pairs
    }

    /// Builds from `{PREFIX}_{PROPERTY}` keys; empty values count as absent.
    init(serviceName: String, prefixedValues: [String: String], source: Source) {
        self.init(serviceName: serviceName, source: source)
        let prefix = Self.prefix(forServiceName: serviceName) + "_"
        var values: [String: String] = [:]
        for (key, value) in prefixedValues where key.hasPrefix(prefix) && !value.isEmpty {
            values[String(key.dropFirst(prefix.count))] = value
        }
        url = values["URL"]
        authType = values["AUTH_TYPE"] ?? values["AUTHTYPE"]
        apiKey = values["APIKEY"].map(Secret.init)
        authURL = values["AUTH_URL"]
        username = values["USERNAME"]
        password = values["PASSWORD"].map(Secret.init)
        bearerToken = values["BEARER_TOKEN"].map(Secret.init)
        clientID = values["CLIENT_ID"]
        clientSecret = values["CLIENT_SECRET"].map(Secret.init)
        scope = values["SCOPE"]
        disableSSL = values["DISABLE_SSL"].map { $0.lowercased() == "true" }
        authDisableSSL = values["AUTH_DISABLE_SSL"].map { $0.lowercased() == "true" }
    }

    private var hasAnyValue: Bool {
        url != nil || authType != nil || apiKey != nil || authURL != nil || username != nil || password != nil
            || bearerToken != nil || clientID != nil || clientSecret != nil || scope != nil
            || disableSSL != nil || authDisableSSL != nil
    }

    /// Where the values came from, for messages (never the values themselves).
    public var sourceDescription: String {
        switch source {
        case .file(let path): "credentials file \(path)"
        case .environment: "environment"
        case .none: "command line"
        }
    }
}
