import Foundation
@testable import TTSClient
import TTSAPI
import Testing

/// Error bodies of the service, the gateway, IAM, HTML pages and broken JSON, each turned into one clear line.
@Suite struct ErrorTests {
    static func failing(_ response: StubResponse, retry: RetryPolicy = .never,
                        authentication: Authentication = .none,
                        _ call: @escaping @Sendable (TextToSpeechClient) async throws -> Void) async throws -> ServiceError? {
        try await withStubServer { _ in response } _: { server in
            await serviceError { try await withClient(server.url, authentication: authentication, retry: retry) { try await call($0) } }
        }
    }

    @Test func watsonBodyOnACustomization() async throws {
        let error = try await Self.failing(.watsonError(401, "Unauthorized", "Invalid customization ID", transaction: "tx-1")) {
            _ = try await $0.getModel(id: "abc")
        }
        #expect(error?.kind == .unknownCustomization)
        #expect(error?.status == 401)
        #expect(error?.message == "Invalid customization ID")
        #expect(error?.transactionID == "tx-1")
        #expect(error?.description == "GET /v1/customizations/abc: 401 Unauthorized: Invalid customization ID [transaction tx-1]")
    }

    @Test func gatewayBodyIsAnAuthenticationFailure() async throws {
        let gateway = StubResponse.json(401, #"{"trace":"8f1c","error":"Unauthorized","more_info":"https://cloud.ibm.com/docs/watson?topic=watson-authorization-error","code":401}"#)
        let onModel = try await Self.failing(gateway) { _ = try await $0.getModel(id: "abc") }
        #expect(onModel?.kind == .authentication)
        let onList = try await Self.failing(.json(401, #"{"code":401,"error":"Unauthorized"}"#)) { _ = try await $0.listModels() }
        #expect(onList?.kind == .authentication)
        #expect(onList?.description == "GET /v1/customizations: 401 Unauthorized: Unauthorized")
        let forbidden = try await Self.failing(.json(403, #"{"code":403,"error":"Forbidden"}"#)) { _ = try await $0.getModel(id: "a") }
        #expect(forbidden?.kind == .authentication)
    }

    @Test func statusKinds() async throws {
        #expect(try await Self.failing(.watsonError(400, "Bad Request", "Word not found in custom model")) {
            _ = try await $0.getWord(id: "c", word: "w")
        }?.kind == .badRequest)
        #expect(try await Self.failing(.watsonError(404, "No Such Resource", "No such child resource.")) {
            _ = try await $0.listModels()
        }?.kind == .notFound)
        #expect(try await Self.failing(StubResponse(status: 429)) { _ = try await $0.listModels() }?.kind == .rateLimited)
        #expect(try await Self.failing(StubResponse(status: 500)) { _ = try await $0.listModels() }?.kind == .serverError)
        #expect(try await Self.failing(StubResponse(status: 405)) { _ = try await $0.listModels() }?.kind == .unexpectedStatus)
    }

    @Test func htmlErrorPageIsSummarisedNotDumped() async throws {
        let page = StubResponse(status: 502, headers: ["Content-Type": "text/html"],
                                body: "<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>")
        let error = try await Self.failing(page) { _ = try await $0.listModels() }
        #expect(error?.description == "GET /v1/customizations: 502 Bad Gateway: HTML page instead of JSON (502 Bad Gateway)")
    }

    @Test func htmlInsteadOfJSONOnSuccess() async throws {
        let page = StubResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: "<html><body>Login</body></html>")
        let error = try await Self.failing(page) { _ = try await $0.listModels() }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.description == "GET /v1/customizations: 200 OK: malformed answer: HTML page instead of JSON (content type text/html)")
    }

    @Test func malformedJSONAnswers() async throws {
        let broken = try await Self.failing(.json(200, #"{"customizations": [{"customization_id": "a"#)) { _ = try await $0.listModels() }
        #expect(broken?.kind == .malformedResponse)
        #expect(broken?.message == "malformed answer: invalid JSON")
        let missing = try await Self.failing(.json(200, #"{"models": []}"#)) { _ = try await $0.listModels() }
        #expect(missing?.message == "malformed answer: missing field customizations")
        let wrongType = try await Self.failing(.json(200, #"{"translation": 5}"#)) { _ = try await $0.getWord(id: "c", word: "w") }
        #expect(wrongType?.message == "malformed answer: unexpected value at translation")
        let empty = try await Self.failing(StubResponse(status: 200, headers: ["Content-Type": "application/json"])) {
            _ = try await $0.getModel(id: "c")
        }
        #expect(empty?.message == "malformed answer: empty answer, expected JSON")
        let brokenErrorBody = try await Self.failing(.json(500, "{oops")) { _ = try await $0.listModels() }
        #expect(brokenErrorBody?.message == "error body is not valid JSON")
    }

    @Test func plainTextErrorBodyKeepsItsFirstLine() async throws {
        let error = try await Self.failing(StubResponse(status: 503, headers: ["Content-Type": "text/plain"],
                                                        body: "upstream connect error\nreset reason: overflow")) {
            _ = try await $0.listModels()
        }
        #expect(error?.message == "upstream connect error")
    }

    @Test func knownKeyAppearsInNoErrorEvenWhenTheServerEchoesIt() async throws {
        let echo = StubResponse.watsonError(400, "Bad Request", "bad key \(fakeAPIKey)\\nsecond line", transaction: fakeAPIKey)
        let auth = Authentication.basic(username: "apikey", password: Secret(fakeAPIKey))
        let error = try #require(try await Self.failing(echo, authentication: auth) { _ = try await $0.listModels() })
        #expect(!error.description.contains(fakeAPIKey))
        #expect(!String(reflecting: error).contains(fakeAPIKey))
        #expect(error.message == "bad key <redacted> second line")
        #expect(!error.description.contains("\n"))
    }

    @Test func transportErrorLine() {
        let error = ServiceError(kind: .transport, method: "GET", path: "/v1/customizations", transportFailure: .timeout)
        #expect(error.description == "GET /v1/customizations: timed out")
    }

    @Test func tokenScheduleWithoutJWTUsesExpiresIn() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let opaque = ScheduledToken(value: "opaque", expiresIn: 100, now: now)
        #expect(opaque.refreshAt == now.addingTimeInterval(80))
        #expect(opaque.expiresAt == now.addingTimeInterval(90))
        let jwt = ScheduledToken(value: makeJWT(iat: 1_000_000, exp: 1_003_600), expiresIn: 10, now: now)
        #expect(jwt.refreshAt == Date(timeIntervalSince1970: 1_002_880))
        #expect(jwt.expiresAt == Date(timeIntervalSince1970: 1_003_590))
    }
}
