import Foundation
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct FaultTests {
    /// Status of each of n GETs; `0` for a dropped connection.
    func statuses(_ h: Harness, _ n: Int, path: String = "/v1/customizations") async throws -> [Int] {
        var out: [Int] = []
        for _ in 0..<n {
            do { out.append(try await h.send(.GET, path).status) } catch { out.append(0) }
        }
        return out
    }

    @Test func ratesAreDeterministicUnderASeed() async throws {
        var plan = FaultPlan(seed: 42)
        try plan.setRates("429=0.2,500=0.1,503=0.1,drop=0.1")
        let first = try await Harness.with(EmulatorConfiguration(faults: plan)) { try await statuses($0, 60) }
        let second = try await Harness.with(EmulatorConfiguration(faults: plan)) { try await statuses($0, 60) }
        #expect(first == second)
        for s in [200, 429, 500, 503, 0] { #expect(first.contains(s), "\(s) in \(first)") }
        plan.seed = 43
        let other = try await Harness.with(EmulatorConfiguration(faults: plan)) { try await statuses($0, 60) }
        #expect(other != first)
    }

    @Test func rateParsingRejectsNonsense() {
        var plan = FaultPlan()
        #expect(throws: EmulatorConfigurationError.self) { try plan.setRates("418=0.1") }
        #expect(throws: EmulatorConfigurationError.self) { try plan.setRates("429=2") }
        #expect(throws: EmulatorConfigurationError.self) { try plan.setRates("429=0.6,503=0.6") }
    }

    @Test func tooManyRequestsCarriesRetryAfterAndWatsonBody() async throws {
        try await Harness.with(EmulatorConfiguration(faults: FaultPlan(tooManyRequestsRate: 1, retryAfterSeconds: 7))) { (h) async throws in
            let a = try await h.send(.GET, "/v1/customizations")
            #expect(a.status == 429)
            #expect(a.headers.first(name: "Retry-After") == "7")
            #expect(a.json["code"] as? Int == 429 && a.json["error"] != nil)
            // Token and admin endpoints are never faulted.
            #expect(try await h.send(.GET, "/_emulator/stats").status == 200)
        }
    }

    @Test func failRequestNumberAndFailNextMatchingMethodAndPath() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()  // request 1
            h.server.faults.failRequest(number: 3, with: .status(503))
            h.server.faults.failNext(count: 2, method: "PUT", pathPrefix: "/v1/customizations/\(id)/words", with: .status(500))
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)  // 2
            let third = try await h.send(.GET, "/v1/customizations")  // 3
            #expect(third.status == 503 && third.headers.first(name: "Retry-After") == "1")
            #expect(try await h.send(.GET, "/v1/customizations/\(id)/words").status == 200)  // GET does not match
            for _ in 0..<2 {
                #expect(try await h.send(.PUT, "/v1/customizations/\(id)/words/a", json: #"{"translation":"b"}"#).status == 500)
            }
            #expect(try await h.send(.PUT, "/v1/customizations/\(id)/words/a", json: #"{"translation":"b"}"#).status == 200)
            // Injected failures change nothing: only the last PUT landed.
            #expect(try h.server.defaultInstance.words(id: id).count == 1)
            #expect(h.server.stats.injectedFaults == 3)
        }
    }

    @Test func droppedConnectionGivesNoAnswer() async throws {
        try await Harness.with { (h) async throws in
            h.server.faults.failNext(count: 1, with: .drop)
            await #expect(throws: (any Error).self) { try await h.send(.GET, "/v1/customizations") }
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)
        }
    }

    @Test func aHeldRequestWaitsForItsRelease() async throws {
        try await Harness.with { (h) async throws in
            let hold = h.server.faults.hold("POST", .exact("/v1/customizations"), skip: 1)
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)  // another method: not counted
            #expect(try await h.send(.POST, "/v1/customizations", json: #"{"name":"one"}"#).status == 201)  // skipped
            async let held = h.send(.POST, "/v1/customizations", json: #"{"name":"two"}"#)
            await hold.reached()
            #expect(h.server.defaultInstance.counts.models == 1, "held before it is handled")
            await hold.release()
            #expect(h.server.defaultInstance.counts.models == 2, "handled by the time release returns")
            #expect(try await held.status == 201)
            #expect(try await h.send(.POST, "/v1/customizations", json: #"{"name":"three"}"#).status == 201)  // once only
        }
    }

    @Test func latencyIsAdded() async throws {
        try await Harness.with(EmulatorConfiguration(faults: FaultPlan(latencyMilliseconds: 150))) { (h) async throws in
            let start = ContinuousClock.now
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(150))
        }
    }

    @Test func faultsAreSettableThroughTheAdminEndpoint() async throws {
        try await Harness.with { (h) async throws in
            let set = try await h.send(.POST, "/_emulator/faults", json: #"{"plan":{"rate_503":1,"retry_after":2,"seed":5},"fail_next":[{"method":"GET","path_prefix":"/v1/customizations","count":1,"fault":429}]}"#)
            #expect(set.status == 200 && set.json["rate_503"] as? Double == 1)
            #expect(try await h.send(.GET, "/v1/customizations").status == 429)
            let a = try await h.send(.GET, "/v1/customizations")
            #expect(a.status == 503 && a.headers.first(name: "Retry-After") == "2")
            // Clearing restarts the numbering: the next /v1 request is number 1 again.
            #expect(try await h.send(.DELETE, "/_emulator/faults").status == 204)
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)
            #expect(try await h.send(.POST, "/_emulator/faults", json: #"{"fail_request":{"number":3,"fault":"drop"}}"#).status == 200)
            #expect(try await h.send(.GET, "/v1/customizations").status == 200)
            await #expect(throws: (any Error).self) { try await h.send(.GET, "/v1/customizations") }
        }
    }

    @Test func statsCountRequestsPerMethod() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            _ = try await h.send(.GET, "/v1/customizations/\(id)")
            _ = try await h.send(.DELETE, "/v1/customizations/\(id)")
            let s = h.server.stats
            #expect(s.apiRequests == 3 && s.byMethod["GET"] == 1 && s.byMethod["POST"] == 1 && s.byMethod["DELETE"] == 1)
            #expect(s.byStatus["201"] == 1 && s.byStatus["204"] == 1)
            let viaAdmin = try await h.send(.GET, "/_emulator/stats")
            #expect((viaAdmin.json["stats"] as? [String: Any])?["api_requests"] as? Int == 3)
        }
    }
}
