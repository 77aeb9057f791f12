import ArgumentParser
import Foundation
import Logging
import TTSClient

/// Options of every command that talks to a Text to Speech service. Values given here override the ones
/// read from the credentials file or the environment, property by property.
struct ServiceOptions: ParsableArguments {
    // `restore` reads better as --to-service-name/--to-url: same options, an extra name each.
    @Option(name: [.customLong("service-name"), .customLong("to-service-name")],
            help: ArgumentHelp("Credential property prefix: NAME upper-cased, so restore_target reads RESTORE_TARGET_URL, RESTORE_TARGET_APIKEY, ...",
                               valueName: "name"))
    var serviceName = CredentialProperties.defaultServiceName

    @Option(name: [.long, .customLong("to-url")],
            help: ArgumentHelp("Service URL, e.g. https://api.us-south.text-to-speech.watson.cloud.ibm.com/instances/ID (else PREFIX_URL).",
                               valueName: "url"))
    var url: String?

    @Option(name: .customLong("auth-type"),
            help: ArgumentHelp("iam, basic, bearerToken, cp4d or noAuth (else PREFIX_AUTH_TYPE; iam when an API key is set).",
                               valueName: "type"))
    var authType: String?

    @Option(help: ArgumentHelp("IAM API key. Visible in `ps` and shell history: prefer PREFIX_APIKEY in the environment or ibm-credentials.env.",
                               valueName: "key"))
    var apikey: String?

    @Option(name: .customLong("auth-url"),
            help: ArgumentHelp("Token service URL: IAM (default https://iam.cloud.ibm.com) or the Cloud Pak for Data route.",
                               valueName: "url"))
    var authURL: String?

    @Option(name: .customLong("bearer-token"),
            help: ArgumentHelp("Bearer token (never refreshed). Prefer PREFIX_BEARER_TOKEN: flags are visible in `ps`.",
                               valueName: "token"))
    var bearerToken: String?

    @Option(help: ArgumentHelp("User name for basic or cp4d authentication.", valueName: "name"))
    var username: String?

    @Option(help: ArgumentHelp("Password for basic or cp4d authentication. Prefer PREFIX_PASSWORD: flags are visible in `ps`.",
                               valueName: "password"))
    var password: String?

    @Flag(name: .customLong("disable-ssl"), help: "Do not verify TLS certificates of the service and token service.")
    var disableSSL = false

    @Option(help: ArgumentHelp("Requests in flight at once.", valueName: "n"))
    var concurrency = 8

    @Option(name: .customLong("max-attempts"),
            help: ArgumentHelp("Attempts per request for 429, 5xx and connection failures (1 = no retries).", valueName: "n"))
    var maxAttempts = 6

    @Option(help: ArgumentHelp("Timeout of one request attempt, in seconds (0.001 to 3600).", valueName: "seconds"))
    var timeout: Double = 60

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        // 0 does not mean "no limit": a request attempt always has one. Under a millisecond rounds to none at all.
        guard timeout >= 0.001, timeout <= 3600 else {
            throw ValidationError("--timeout takes the seconds one request attempt may last, from 0.001 to 3600 (not \(Self.number(timeout)))")
        }
    }

    /// `60` rather than `60.0`.
    private static func number(_ value: Double) -> String {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Credentials from file/environment (IBM SDK conventions) with this command line's values on top.
    func credentials(environment: [String: String] = ProcessInfo.processInfo.environment,
                     currentDirectory: String = FileManager.default.currentDirectoryPath,
                     homeDirectory: String = FileManager.default.homeDirectoryForCurrentUser.path) throws -> ServiceCredentials {
        var properties = CredentialProperties.forService(serviceName, environment: environment,
                                                         currentDirectory: currentDirectory, homeDirectory: homeDirectory)
        if let url { properties.url = url }
        if let authType { properties.authType = authType }
        if let apikey { properties.apiKey = Secret(apikey) }
        if let authURL { properties.authURL = authURL }
        if let bearerToken { properties.bearerToken = Secret(bearerToken) }
        if let username { properties.username = username }
        if let password { properties.password = Secret(password) }
        if disableSSL {
            properties.disableSSL = true
            properties.authDisableSSL = true
        }
        return try properties.resolve()
    }

    var clientConfiguration: ClientConfiguration {
        ClientConfiguration(
            requestTimeout: .milliseconds(Int64(timeout * 1000)),
            maxConcurrentRequests: concurrency,
            retry: RetryPolicy(maxAttempts: maxAttempts),
            userAgent: "tts-archive/\(BuildInfo.version)")
    }

    /// Runs `body` with a client that is shut down afterwards.
    func withClient<T: Sendable>(_ body: (TextToSpeechClient) async throws -> T) async throws -> T {
        try await TextToSpeechClient.withClient(credentials: credentials(), configuration: clientConfiguration,
                                                logger: Logger(label: "tts-archive.client"), body)
    }

    /// Help text on where credentials come from, for the discussion of service commands.
    static let credentialsHelp = """
    CREDENTIALS
      Read as IBM's SDKs read them; PREFIX is --service-name upper-cased
      (default TEXT_TO_SPEECH). Properties: PREFIX_URL, PREFIX_AUTH_TYPE (iam,
      basic, bearerToken, cp4d, noAuth), PREFIX_APIKEY, PREFIX_AUTH_URL,
      PREFIX_USERNAME, PREFIX_PASSWORD, PREFIX_BEARER_TOKEN, PREFIX_DISABLE_SSL,
      PREFIX_AUTH_DISABLE_SSL, PREFIX_CLIENT_ID, PREFIX_CLIENT_SECRET,
      PREFIX_SCOPE. The first source holding any of them is used as a whole:
      the file $IBM_CREDENTIALS_FILE, else ./ibm-credentials.env, else
      ~/ibm-credentials.env (KEY=VALUE lines, values unquoted), else the
      environment. Command-line options then override single values. Keep
      secrets in the file or the environment: options are visible in `ps`.
    """
}
