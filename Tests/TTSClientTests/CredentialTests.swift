import Foundation
import TTSClient
import Testing

/// Credential loading is a pure function of (environment, cwd, home, service name, files).
@Suite struct CredentialTests {
    static let cwd = "/work/project"
    static let home = "/home/user"

    static func load(_ environment: [String: String], files: [String: String] = [:],
                     serviceName: String = CredentialProperties.defaultServiceName) -> CredentialProperties {
        CredentialProperties.load(serviceName: serviceName, environment: environment, currentDirectory: cwd,
                                  homeDirectory: home, readFile: { files[$0] })
    }

    @Test func environmentWithDefaultPrefix() throws {
        let properties = Self.load(["TEXT_TO_SPEECH_URL": "https://api.example.com/instances/i/",
                                    "TEXT_TO_SPEECH_APIKEY": fakeAPIKey, "OTHER_APIKEY": "x"])
        #expect(properties.source == .environment)
        let credentials = try properties.resolve()
        #expect(credentials.serviceURL == "https://api.example.com/instances/i/")
        // No AUTH_TYPE and an API key: IAM, with the default token service.
        #expect(credentials.authentication == .iam(apiKey: Secret(fakeAPIKey), authURL: "https://iam.cloud.ibm.com"))
    }

    @Test func credentialsFileBeatsEnvironmentAsAWhole() throws {
        let properties = Self.load(
            ["TEXT_TO_SPEECH_APIKEY": fakeAPIKey, "TEXT_TO_SPEECH_URL": "https://env.example.com"],
            files: ["/work/project/ibm-credentials.env": "TEXT_TO_SPEECH_URL=http://127.0.0.1:9999\nTEXT_TO_SPEECH_AUTH_TYPE=noauth\n"])
        #expect(properties.source == .file(path: "/work/project/ibm-credentials.env"))
        #expect(properties.apiKey == nil)  // not merged from the environment
        let credentials = try properties.resolve()
        #expect(credentials.authentication == .none)
        #expect(credentials.serviceURL == "http://127.0.0.1:9999")
    }

    @Test func fileWithoutThisServiceFallsBackToEnvironment() {
        let properties = Self.load(["TEXT_TO_SPEECH_URL": "https://env.example.com"],
                                   files: ["/work/project/ibm-credentials.env": "SPEECH_TO_TEXT_URL=https://stt\n"])
        #expect(properties.source == .environment)
        #expect(properties.url == "https://env.example.com")
    }

    @Test func fileSearchOrder() {
        let files = ["/explicit.env": "TEXT_TO_SPEECH_URL=https://explicit", "/work/project/ibm-credentials.env": "TEXT_TO_SPEECH_URL=https://cwd",
                     "/home/user/ibm-credentials.env": "TEXT_TO_SPEECH_URL=https://home"]
        #expect(Self.load(["IBM_CREDENTIALS_FILE": "/explicit.env"], files: files).url == "https://explicit")
        #expect(Self.load([:], files: files).url == "https://cwd")
        #expect(Self.load([:], files: files.filter { !$0.key.hasPrefix("/work") }).url == "https://home")
        #expect(Self.load([:]).source == .none)
    }

    @Test func servicePrefixIsSelectable() throws {
        #expect(CredentialProperties.prefix(forServiceName: "restore_target") == "RESTORE_TARGET")
        #expect(CredentialProperties.prefix(forServiceName: "restore-target") == "RESTORE_TARGET")
        let environment = ["TEXT_TO_SPEECH_URL": "https://source", "TEXT_TO_SPEECH_AUTH_TYPE": "noauth",
                           "RESTORE_TARGET_URL": "https://target", "RESTORE_TARGET_AUTHTYPE": "BearerToken",
                           "RESTORE_TARGET_BEARER_TOKEN": "tok"]
        let target = try Self.load(environment, serviceName: "restore_target").resolve()
        #expect(target.serviceURL == "https://target")
        #expect(target.authentication == .bearerToken(Secret("tok")))
        #expect(try Self.load(environment).resolve().serviceURL == "https://source")
    }

    @Test func fileParsingSplitsAtFirstEqualsAndIgnoresComments() {
        let file = """
        # comment line
        #TEXT_TO_SPEECH_USERNAME=commented
          TEXT_TO_SPEECH_URL=https://x.example.com/?a=b  
        TEXT_TO_SPEECH_AUTH_TYPE=basic
        TEXT_TO_SPEECH_USERNAME=user
        TEXT_TO_SPEECH_PASSWORD=pa=ss=
        TEXT_TO_SPEECH_DISABLE_SSL=True
        TEXT_TO_SPEECH_AUTH_DISABLE_SSL=no
        TEXT_TO_SPEECH_SCOPE=
        not a property line
        """
        let properties = Self.load([:], files: ["/work/project/ibm-credentials.env": file])
        #expect(properties.url == "https://x.example.com/?a=b")
        #expect(properties.username == "user")
        #expect(properties.password == Secret("pa=ss="))
        #expect(properties.disableSSL == true)
        #expect(properties.authDisableSSL == false)
        #expect(properties.scope == nil)
    }

    @Test func quotedValuesAreRejectedWithoutEchoingThem() {
        let properties = Self.load([:], files: ["/work/project/ibm-credentials.env":
            "TEXT_TO_SPEECH_URL=https://x\nTEXT_TO_SPEECH_APIKEY=\"\(fakeAPIKey)\""])
        #expect(properties.apiKey == Secret("\"\(fakeAPIKey)\""))  // no quote stripping
        #expect(throws: CredentialError.self) { try properties.resolve() }
        let message = (try? properties.resolve()).map { _ in "" } ?? errorText { try properties.resolve() }
        #expect(message.contains("TEXT_TO_SPEECH_APIKEY"))
        #expect(!message.contains(fakeAPIKey))
    }

    @Test func clearErrorsForMissingOrUnknownValues() {
        #expect(errorText { try Self.load(["TEXT_TO_SPEECH_APIKEY": fakeAPIKey]).resolve() }
            == "missing service URL: set TEXT_TO_SPEECH_URL (credentials file or environment)")
        #expect(errorText { try Self.load(["TEXT_TO_SPEECH_URL": "https://x"]).resolve() }
            .hasPrefix("missing credentials: set TEXT_TO_SPEECH_APIKEY"))
        #expect(errorText { try Self.load(["TEXT_TO_SPEECH_URL": "https://x", "TEXT_TO_SPEECH_AUTH_TYPE": "IAM"]).resolve() }
            == "iam authentication needs TEXT_TO_SPEECH_APIKEY")
        #expect(errorText { try Self.load(["TEXT_TO_SPEECH_URL": "https://x", "TEXT_TO_SPEECH_AUTH_TYPE": "container"]).resolve() }
            == "unknown TEXT_TO_SPEECH_AUTH_TYPE 'container' (expected iam, basic, bearerToken, cp4d, noAuth)")
        #expect(errorText { try Self.load(["TEXT_TO_SPEECH_URL": "ftp://x", "TEXT_TO_SPEECH_APIKEY": fakeAPIKey]).resolve() }
            == "TEXT_TO_SPEECH_URL is not an http or https URL")
        #expect(errorText { try Self.load(["TEXT_TO_SPEECH_URL": "https://x", "TEXT_TO_SPEECH_AUTH_TYPE": "cp4d",
                                           "TEXT_TO_SPEECH_USERNAME": "u", "TEXT_TO_SPEECH_APIKEY": fakeAPIKey]).resolve() }
            == "cp4d authentication needs TEXT_TO_SPEECH_AUTH_URL (the Cloud Pak for Data token URL)")
    }

    @Test func schemesFromProperties() throws {
        let base = ["TEXT_TO_SPEECH_URL": "https://x"]
        #expect(try Self.load(base.merging(["TEXT_TO_SPEECH_AUTH_TYPE": "basic", "TEXT_TO_SPEECH_APIKEY": "k"]) { $1 })
            .resolve().authentication == .basic(username: "apikey", password: Secret("k")))
        #expect(try Self.load(base.merging(["TEXT_TO_SPEECH_AUTH_TYPE": "Basic", "TEXT_TO_SPEECH_USERNAME": "u",
                                            "TEXT_TO_SPEECH_PASSWORD": "p"]) { $1 })
            .resolve().authentication == .basic(username: "u", password: Secret("p")))
        #expect(try Self.load(base.merging(["TEXT_TO_SPEECH_AUTH_TYPE": "CP4D", "TEXT_TO_SPEECH_USERNAME": "u",
                                            "TEXT_TO_SPEECH_PASSWORD": "p", "TEXT_TO_SPEECH_AUTH_URL": "https://cpd/icp4d-api/"]) { $1 })
            .resolve().authentication == .cloudPakForData(authURL: "https://cpd/icp4d-api", username: "u", secret: .password(Secret("p"))))
        #expect(try Self.load(base.merging(["TEXT_TO_SPEECH_APIKEY": "k", "TEXT_TO_SPEECH_AUTH_URL": "http://127.0.0.1:1"]) { $1 })
            .resolve().authentication == .iam(apiKey: Secret("k"), authURL: "http://127.0.0.1:1"))
        let noAuth = try Self.load(base.merging(["TEXT_TO_SPEECH_AUTH_TYPE": "noAuth", "TEXT_TO_SPEECH_DISABLE_SSL": "true"]) { $1 }).resolve()
        #expect(noAuth.authentication == .none)
        #expect(noAuth.disableSSL)
    }

    @Test func explicitValuesOverrideLoadedOnes() throws {
        var properties = Self.load(["TEXT_TO_SPEECH_URL": "https://env", "TEXT_TO_SPEECH_APIKEY": "env-key"])
        properties.url = "http://127.0.0.1:8080"
        properties.apiKey = Secret("flag-key")
        let credentials = try properties.resolve()
        #expect(credentials.serviceURL == "http://127.0.0.1:8080")
        #expect(credentials.authentication == .iam(apiKey: Secret("flag-key")))
    }

    @Test func secretsNeverPrint() throws {
        let credentials = try Self.load(["TEXT_TO_SPEECH_URL": "https://u:pw@x.example.com/i?k=v",
                                         "TEXT_TO_SPEECH_APIKEY": fakeAPIKey]).resolve()
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), "\(credentials.authentication)", dumped] {
            #expect(!text.contains(fakeAPIKey))
        }
        #expect("\(credentials)" == "iam credentials for https://x.example.com/i")
    }
}

func errorText(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return ""
    } catch {
        return "\(error)"
    }
}
