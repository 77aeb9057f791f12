import Foundation
import Logging
import TTSAPI
@testable import TTSClient
import Testing

/// Issues JWTs from a script of (iat offset, exp offset) pairs relative to now; the last one repeats.
actor TokenIssuer {
    private var lifetimes: [(Double, Double)]
    private(set) var issued: [String] = []
    init(_ lifetimes: [(Double, Double)] = [(0, 3600)]) { self.lifetimes = lifetimes }
    func issue() -> String {
        let (iat, exp) = lifetimes.count > 1 ? lifetimes.removeFirst() : lifetimes[0]
        let now = Date().timeIntervalSince1970
        let token = makeJWT(iat: now + iat, exp: now + exp, subject: "token-\(issued.count + 1)")
        issued.append(token)
        return token
    }
}

let fakeAPIKey = "FAKE-KEY-s3cr3t-0123456789"

@Suite struct AuthenticationTests {
    /// One stub serving IAM's token endpoint and the service.
    static func iamAndService(_ issuer: TokenIssuer, tokenDelay: Duration? = nil,
                              service: @escaping @Sendable (RecordedRequest) async -> StubResponse = { _ in emptyModelList })
        -> @Sendable (RecordedRequest) async -> StubResponse {
        { request in
            if request.path == "/identity/token" {
                var answer = StubResponse.json(200, #"{"access_token":"\#(await issuer.issue())","refresh_token":"not_supported","token_type":"Bearer","expires_in":3600,"expiration":0,"scope":"ibm openid"}"#)
                answer.delay = tokenDelay
                return answer
            }
            return await service(request)
        }
    }

    @Test func iamExchangesTheKeyOnceAndSendsTheBearerToken() async throws {
        let issuer = TokenIssuer()
        try await withStubServer(Self.iamAndService(issuer)) { server in
            try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url)) { client in
                for _ in 0..<3 { _ = try await client.listModels() }
            }
            let requests = await server.requests
            let tokenRequests = requests.filter { $0.path == "/identity/token" }
            #expect(tokenRequests.count == 1)
            let tokenRequest = try #require(tokenRequests.first)
            #expect(tokenRequest.method == "POST")
            #expect(tokenRequest.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(tokenRequest.headers["accept"] == "application/json")
            #expect(tokenRequest.bodyText
                == "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=\(fakeAPIKey)&response_type=cloud_iam")
            let token = try #require(await issuer.issued.first)
            let serviceRequests = requests.filter { $0.path == "/v1/customizations" }
            #expect(serviceRequests.count == 3)
            #expect(serviceRequests.allSatisfy { $0.headers["authorization"] == "Bearer \(token)" })
        }
    }

    @Test func authURLEndingInIdentityTokenIsTakenAsIs() async throws {
        let issuer = TokenIssuer()
        try await withStubServer(Self.iamAndService(issuer)) { server in
            _ = try await withClient(server.url, authentication: .iam(
                apiKey: Secret(fakeAPIKey), authURL: server.url + "/identity/token")) { try await $0.listModels() }
            #expect(await server.log.count(path: "/identity/token") == 1)
        }
    }

    @Test func concurrentCallersShareOneTokenFetch() async throws {
        let issuer = TokenIssuer()
        try await withStubServer(Self.iamAndService(issuer, tokenDelay: .milliseconds(200))) { server in
            try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url)) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<10 { group.addTask { _ = try await client.listModels() } }
                    try await group.waitForAll()
                }
            }
            // One fetch for ten callers (without sharing, ten).
            #expect(await server.log.count(path: "/identity/token") == 1)
            #expect(await server.log.count(path: "/v1/customizations") == 10)
        }
    }

    @Test func tokenIsRefreshedBeforeItExpires() async throws {
        // First token: issued 3000 s ago, 600 s left, so 80 % of its life is gone; the next call refreshes.
        let issuer = TokenIssuer([(-3000, 600), (0, 3600)])
        try await withStubServer(Self.iamAndService(issuer)) { server in
            try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url)) { client in
                for _ in 0..<3 { _ = try await client.listModels() }
            }
            let issued = await issuer.issued
            #expect(issued.count == 2)
            let used = await server.requests.filter { $0.path == "/v1/customizations" }.map { $0.headers["authorization"] }
            #expect(used == ["Bearer \(issued[0])", "Bearer \(issued[1])", "Bearer \(issued[1])"])
        }
    }

    @Test func a401IsRetriedOnceWithAFreshToken() async throws {
        let issuer = TokenIssuer()
        try await withStubServer(Self.iamAndService(issuer) { request in
            let first = await issuer.issued.first ?? ""
            return request.headers["authorization"] == "Bearer \(first)"
                ? .json(401, #"{"code":401,"error":"Unauthorized","trace":"t","more_info":"https://cloud.ibm.com/docs"}"#)
                : emptyModelList
        }) { server in
            _ = try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url)) {
                try await $0.listModels()
            }
            #expect(await issuer.issued.count == 2)
            #expect(await server.log.count(path: "/v1/customizations") == 2)
        }
    }

    @Test func persistent401IsAnAuthenticationErrorAfterOneRefresh() async throws {
        let issuer = TokenIssuer()
        try await withStubServer(Self.iamAndService(issuer) { _ in
            .json(401, #"{"code":401,"error":"Unauthorized","trace":"t","more_info":"https://cloud.ibm.com/docs"}"#)
        }) { server in
            let error = await serviceError {
                _ = try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url)) {
                    try await $0.getModel(id: "cid")
                }
            }
            #expect(error?.kind == .authentication)
            #expect(error?.isAuthenticationFailure == true)
            #expect(await server.log.count(path: "/v1/customizations/cid") == 2)
            #expect(error.map { !"\($0)".contains(fakeAPIKey) } == true)
        }
    }

    @Test func iamRefusalIsAnAuthenticationErrorWithoutTheKey() async throws {
        try await withStubServer { _ in
            .json(400, #"{"context":{"requestId":"r"},"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found"}"#)
        } _: { server in
            let error = await serviceError {
                _ = try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url)) {
                    try await $0.listModels()
                }
            }
            #expect(error?.kind == .authentication)
            #expect(error?.description == "POST /identity/token: 400 Bad Request: Provided API key could not be found")
            #expect(await server.requests.count == 1)
        }
    }

    @Test func iamClientIDAndScopeAreSent() async throws {
        let issuer = TokenIssuer()
        try await withStubServer(Self.iamAndService(issuer)) { server in
            _ = try await withClient(server.url, authentication: .iam(
                apiKey: Secret("k"), authURL: server.url, clientID: "bx", clientSecret: Secret("bx"), scope: "a b")) {
                try await $0.listModels()
            }
            let tokenRequest = try #require(await server.requests.first)
            #expect(tokenRequest.headers["authorization"] == "Basic Yng6Yng=")
            #expect(tokenRequest.bodyText.hasSuffix("&response_type=cloud_iam&scope=a%20b"))
        }
    }

    @Test func basicBearerAndNoAuthHeaders() async throws {
        try await withStubServer { _ in emptyModelList } _: { server in
            _ = try await withClient(server.url, authentication: .basic(username: "apikey", password: Secret("SECRET"))) {
                try await $0.listModels()
            }
            _ = try await withClient(server.url, authentication: .bearerToken(Secret("tok-123"))) { try await $0.listModels() }
            _ = try await withClient(server.url, authentication: .none) { try await $0.listModels() }
            let headers = await server.requests.map { $0.headers["authorization"] }
            // The reference's verified header for BasicAuthenticator('apikey', 'SECRET').
            #expect(headers == ["Basic YXBpa2V5OlNFQ1JFVA==", "Bearer tok-123", nil])
        }
    }

    @Test(arguments: [
        (Authentication.CloudPakSecret.password(Secret("pw")), #"{"password":"pw","username":"admin"}"#),
        (.apiKey(Secret("ak")), #"{"api_key":"ak","username":"admin"}"#),
    ])
    func cloudPakForDataToken(secret: Authentication.CloudPakSecret, expectedBody: String) async throws {
        let token = makeJWT(iat: Date().timeIntervalSince1970, exp: Date().timeIntervalSince1970 + 3600)
        try await withStubServer { request in
            request.path == "/icp4d-api/v1/authorize"
                ? .json(200, #"{"_messageCode_":"200","message":"Success","token":"\#(token)"}"#)
                : emptyModelList
        } _: { server in
            try await withClient(server.url, authentication: .cloudPakForData(
                authURL: server.url + "/icp4d-api", username: "admin", secret: secret)) { client in
                _ = try await client.listModels()
                _ = try await client.listModels()
            }
            let requests = await server.requests
            #expect(requests.map(\.path) == ["/icp4d-api/v1/authorize", "/v1/customizations", "/v1/customizations"])
            #expect(requests[0].method == "POST")
            #expect(requests[0].canonicalJSON == expectedBody)
            #expect(requests[1].headers["authorization"] == "Bearer \(token)")
        }
    }

    @Test func logsOneDebugLinePerAttemptAndNoSecrets() async throws {
        let issuer = TokenIssuer()
        let script = Script([StubResponse(status: 503)], then: .watsonError(400, "Bad Request", "bad \(fakeAPIKey)"))
        let capture = LogCapture()
        try await withStubServer(Self.iamAndService(issuer) { request in
            let first = await issuer.issued.first ?? ""
            return request.headers["authorization"] == "Bearer \(first)" ? StubResponse(status: 401) : await script.next()
        }) { server in
            _ = await serviceError {
                try await withClient(server.url, authentication: .iam(apiKey: Secret(fakeAPIKey), authURL: server.url),
                                     sleeps: SleepLog(), logger: capture.logger) { try await $0.addWords(id: "c", []) }
            }
            let lines = capture.lines
            // token, 401, token, 503, 400: one line each, at debug level, with method, path and status.
            #expect(lines.count == 5)
            #expect(lines.count == (await server.requests.count))
            #expect(lines.allSatisfy { $0.hasPrefix("debug ") })
            #expect(lines.last?.hasPrefix("debug POST /v1/customizations/c/words 400 ") == true)
            let tokens = await issuer.issued
            for line in lines {
                #expect(!line.contains(fakeAPIKey))
                #expect(!tokens.contains { line.contains($0) })
            }
        }
    }

    /// Eight calls through a client limited to two: the stub holds every request until the test opens it, so
    /// the test sees two requests held at the stub while the other six wait in the client, with no timing.
    @Test(.timeLimit(.minutes(1))) func concurrencyIsLimited() async throws {
        let gauge = Gauge()
        let gate = Gate()
        try await withStubServer { _ in
            await gauge.enter()
            await gate.wait()
            await gauge.leave()
            return emptyModelList
        } _: { server in
            try await withClient(server.url, maxConcurrentRequests: 2) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 { group.addTask { _ = try await client.listModels() } }
                    await gauge.waitUntil(current: 2)
                    while await client.transport.semaphore.waiting < 6 { await Task.yield() }
                    #expect(await gauge.current == 2)
                    await gate.open()
                    try await group.waitForAll()
                }
            }
            let count = await server.requests.count
            #expect(count == 8, "the stub saw \(count) requests for 8 calls")
        }
        #expect(await gauge.maximum == 2)
    }
}

/// A one-way gate: waiters block until it is opened, then everyone passes.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        for w in waiters { w.resume() }
        waiters = []
    }
}

/// Highest number of requests the stub was handling at once.
actor Gauge {
    private(set) var current = 0
    private(set) var maximum = 0
    private var watchers: [(Int, CheckedContinuation<Void, Never>)] = []
    func enter() {
        current += 1
        maximum = max(maximum, current)
        let ready = watchers.filter { $0.0 <= current }
        watchers.removeAll { $0.0 <= current }
        for (_, w) in ready { w.resume() }
    }
    func leave() { current -= 1 }
    /// Returns once `current` has reached `n`.
    func waitUntil(current n: Int) async {
        if current >= n { return }
        await withCheckedContinuation { watchers.append((n, $0)) }
    }
}
