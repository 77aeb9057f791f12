import Foundation
import TTSAPI
import TTSClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Answers `failures` in turn, then `success` for ever; counts calls.
actor Script {
    private var failures: [StubResponse]
    private let success: StubResponse
    init(_ failures: [StubResponse], then success: StubResponse) {
        self.failures = failures
        self.success = success
    }
    func next() -> StubResponse { failures.isEmpty ? success : failures.removeFirst() }
}

let emptyModelList = StubResponse.json(200, #"{"customizations":[]}"#)

@Suite struct RetryTests {
    @Test func retriesTransientStatusesWithExponentialBackoff() async throws {
        let script = Script([StubResponse(status: 503), StubResponse(status: 502)], then: emptyModelList)
        let sleeps = SleepLog()
        try await withStubServer { _ in await script.next() } _: { server in
            let models = try await withClient(server.url, sleeps: sleeps) { try await $0.listModels() }
            #expect(models.isEmpty)
            #expect(await server.requests.count == 3)
        }
        #expect(await sleeps.delays == [.milliseconds(10), .milliseconds(20)])
    }

    @Test func honoursRetryAfterSecondsCappedByMaxDelay() async throws {
        let script = Script([
            .watsonError(429, "Too Many Requests", "slow down").with(header: "Retry-After", "2"),
            StubResponse(status: 503, headers: ["Retry-After": "120"]),
        ], then: emptyModelList)
        let sleeps = SleepLog()
        try await withStubServer { _ in await script.next() } _: { server in
            _ = try await withClient(server.url, sleeps: sleeps) { try await $0.listModels() }
            #expect(await server.requests.count == 3)
        }
        // 2 s as asked; 120 s capped at the policy's 5 s maximum.
        #expect(await sleeps.delays == [.seconds(2), .seconds(5)])
    }

    @Test func retryAfterHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter(" 7 ", now: now) == .seconds(7))
        #expect(RetryPolicy.parseRetryAfter("-1", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    @Test func backoffDoublesIsCappedAndJittered() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: 0.5)
        #expect(policy.delay(afterAttempt: 1, random: 0) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, random: 0) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 9, random: 0) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, random: 0.999) > .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, random: 0.999) < .milliseconds(101))
        #expect(policy.delay(afterAttempt: 2, retryAfter: .seconds(3)) == .seconds(1))
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        try await withStubServer { _ in .watsonError(503, "Service Unavailable", "overloaded") } _: { server in
            let error = await serviceError { _ = try await withClient(server.url, sleeps: SleepLog()) { try await $0.listModels() } }
            #expect(error?.kind == .serverError)
            #expect(error?.status == 503)
            #expect(error?.attempts == 3)
            #expect(error?.description == "GET /v1/customizations: 503 Service Unavailable: overloaded (after 3 attempts)")
            #expect(await server.requests.count == 3)
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await withStubServer { _ in .watsonError(400, "Bad Request", "Word not found") } _: { server in
            let error = await serviceError { _ = try await withClient(server.url) { try await $0.getWord(id: "c", word: "w") } }
            #expect(error?.kind == .badRequest)
            #expect(await server.requests.count == 1)
        }
    }

    @Test(arguments: [500, 502, 503, 504])
    func createIsNotRetriedOnServerErrors(status: Int) async throws {
        try await withStubServer { _ in StubResponse(status: status) } _: { server in
            let error = await serviceError {
                _ = try await withClient(server.url, sleeps: SleepLog()) { try await $0.createModel(CreateModelRequest(name: "n")) }
            }
            #expect(error?.kind == .ambiguousCreate)
            #expect(error?.status == status)
            #expect(error?.description.contains("outcome unknown") == true)
            #expect(await server.requests.count == 1)
        }
    }

    @Test func createIsRetriedOn429() async throws {
        let script = Script([StubResponse(status: 429, headers: ["Retry-After": "0"])],
                            then: .json(201, #"{"customization_id":"id-1"}"#))
        try await withStubServer { _ in await script.next() } _: { server in
            let created = try await withClient(server.url, sleeps: SleepLog()) { try await $0.createModel(CreateModelRequest(name: "n")) }
            #expect(created.customizationID == "id-1")
            #expect(await server.requests.count == 2)
        }
    }

    @Test func createTimeoutIsAmbiguous() async throws {
        try await withStubServer { _ in
            var slow = StubResponse.json(201, #"{"customization_id":"late"}"#)
            slow.delay = .seconds(10)
            return slow
        } _: { server in
            let error = await serviceError {
                _ = try await withClient(server.url, requestTimeout: .seconds(1), sleeps: SleepLog()) {
                    try await $0.createModel(CreateModelRequest(name: "n"))
                }
            }
            // Generous deadline: on a loaded machine a short one can expire while still connecting,
            // which is a different (not-sent) failure.
            #expect(error?.kind == .ambiguousCreate, "\(String(describing: error))")
            #expect(error?.transportFailure == .timeout)
            #expect(await server.requests.count == 1)
        }
    }

    @Test func timeoutsOfIdempotentCallsAreRetried() async throws {
        let script = Script([StubResponse(status: 200, delay: .seconds(10))], then: emptyModelList)
        try await withStubServer { _ in await script.next() } _: { server in
            let models = try await withClient(server.url, requestTimeout: .seconds(1), sleeps: SleepLog()) {
                try await $0.listModels()
            }
            #expect(models.isEmpty)
            // One retry answers at once; on a heavily loaded machine that answer too may miss the 1 s timeout.
            #expect(await server.requests.count >= 2)
        }
    }

    @Test func connectionRefusedIsRetriedEvenForCreate() async throws {
        let url = "http://127.0.0.1:\(try closedPort())"
        let sleeps = SleepLog()
        let error = await serviceError {
            _ = try await withClient(url, sleeps: sleeps) { try await $0.createModel(CreateModelRequest(name: "n")) }
        }
        // Never sent, so repeating the create is safe, and the failure is a plain transport error.
        #expect(error?.kind == .transport)
        #expect(error?.transportFailure == .connectionRefused)
        #expect(error?.attempts == 3)
        #expect(await sleeps.delays.count == 2)
        #expect(error?.description == "POST /v1/customizations: connection refused (after 3 attempts)")
    }
}

extension StubResponse {
    func with(header name: String, _ value: String) -> StubResponse {
        var copy = self
        copy.headers[name] = value
        return copy
    }
}

/// A local port with nothing listening: bind an ephemeral port, read it, close the socket.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw StubFailure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw StubFailure("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
