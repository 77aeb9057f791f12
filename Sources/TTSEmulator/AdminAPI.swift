import Foundation

/// Control endpoints under `/_emulator/` (never under `/v1`, so no SDK call can reach them):
///
/// - `GET  /_emulator/stats` → ``EmulatorStats`` plus `models`/`words` of the addressed instance.
/// - `POST /_emulator/churn` `{"seed": 7, "spec": "night" | "edits=25,adds=15,..."}` or the counts as
///   fields (`edits`, `adds`, `deletes`, `models_added`, `models_deleted`, `renames`, `redescriptions`)
///   → ``ChurnReport``.
/// - `POST /_emulator/generate` `{"spec": "models=3,words=500,seed=7"}` → `{"customization_ids": [...]}`.
/// - `GET  /_emulator/faults` → current plan; `POST /_emulator/faults` with any of
///   `{"plan": FaultPlan, "fail_request": {"number": 3, "fault": 503}, "fail_next": [FaultRule]}`;
///   `DELETE /_emulator/faults` clears everything and restarts request numbering.
/// - `POST /_emulator/holds` `{"method": "GET", "prefix": "/v1/customizations/", "skip": 0}` (or `"path"` for an
///   exact path) → `{"id": N}`: holds the `skip + 1`-th matching `/v1` request unanswered (``RequestHold``);
///   `GET /_emulator/holds/N` answers once that request has arrived; `DELETE /_emulator/holds/N` releases it and
///   answers once it was handled.
///
/// With authentication on, calls that address an instance (stats counts, churn, generate) name it with
/// the same credentials as `/v1` calls (`Authorization: Basic apikey:KEY` or a bearer token); faults and
/// counters are server-wide.
struct AdminAPI: Sendable {
    let store: EmulatorStore
    let faults: FaultInjector
    let stats: StatsRecorder

    func handle(method: String, path: Substring, query: Substring, body: [UInt8], authorization: String?) async -> Reply {
        let instance = store.authenticate(authorization: authorization)
        do {
            switch (method, path) {
            case ("GET", "/_emulator/stats"):
                struct Answer: Encodable {
                    var stats: EmulatorStats
                    var models: Int?
                    var words: Int?
                }
                let counts = instance?.counts
                return .encodable(200, Answer(stats: stats.snapshot, models: counts?.models, words: counts?.words))
            case ("POST", "/_emulator/churn"):
                guard let instance else { return .gatewayUnauthorized() }
                struct Request: Decodable {
                    var seed: UInt64?
                    var spec: String?
                }
                let r = try CustomizationAPI.decode(Request.self, body.isEmpty ? Array("{}".utf8) : body)
                let spec = try r.spec.map { try ChurnSpec(parsing: $0) }
                    ?? CustomizationAPI.decode(ChurnSpec.self, body.isEmpty ? Array("{}".utf8) : body)
                return .encodable(200, instance.applyNight(spec, seed: r.seed ?? 1))
            case ("POST", "/_emulator/generate"):
                guard let instance else { return .gatewayUnauthorized() }
                struct Request: Decodable { var spec: String }
                let spec = try GeneratorSpec(parsing: try CustomizationAPI.decode(Request.self, body).spec)
                return .encodable(200, ["customization_ids": try instance.generate(spec)])
            case ("GET", "/_emulator/faults"):
                return .encodable(200, faults.currentPlan)
            case ("POST", "/_emulator/faults"):
                struct Pinned: Decodable {
                    var number: Int
                    var fault: Fault?
                }
                struct Request: Decodable {
                    var plan: FaultPlan?
                    var fail_request: Pinned?
                    var fail_next: [FaultRule]?
                }
                let r = try CustomizationAPI.decode(Request.self, body)
                if let plan = r.plan { faults.currentPlan = plan }
                if let p = r.fail_request { faults.failRequest(number: p.number, with: p.fault ?? .status(500)) }
                for rule in r.fail_next ?? [] { faults.addRule(rule) }
                return .encodable(200, faults.currentPlan)
            case ("DELETE", "/_emulator/faults"):
                faults.reset()
                return .noContent
            case ("POST", "/_emulator/holds"):
                struct Request: Decodable {
                    var method: String
                    var prefix: String?
                    var path: String?
                    var skip: Int?
                }
                let r = try CustomizationAPI.decode(Request.self, body)
                let match: RequestHold.PathMatch = r.path.map { .exact($0) } ?? .prefix(r.prefix ?? "/v1/")
                return .encodable(200, ["id": faults.namedHolds.add(faults.hold(r.method, match, skip: max(0, r.skip ?? 0)))])
            case (_, _) where path.hasPrefix("/_emulator/holds/"):
                guard let id = Int(path.dropFirst("/_emulator/holds/".count)), let hold = faults.namedHolds.hold(id) else {
                    return .error(.init(status: 404, message: "No hold \(path.dropFirst("/_emulator/holds/".count))"))
                }
                switch method {
                case "GET":
                    await hold.reached()
                    return .encodable(200, ["reached": true])
                case "DELETE":
                    await hold.release()
                    return .noContent
                default:
                    return .error(.init(status: 405, message: "GET or DELETE a hold"))
                }
            default:
                return .error(.init(status: 404, message: "Unknown emulator admin endpoint \(method) \(path)"))
            }
        } catch let e as ErrorAnswer {
            return .error(e)
        } catch {
            return .error(.badRequest("\(error)"))
        }
    }
}
