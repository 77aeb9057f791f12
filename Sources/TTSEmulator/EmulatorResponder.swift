import Basics
import Foundation
import Hummingbird
import NIOCore
import TTSAPI

/// Request context that keeps the channel, so a "drop" fault can close the connection unanswered.
public struct EmulatorContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The whole HTTP surface. Not a Hummingbird router on purpose: routers percent-decode before matching,
/// which would split a word like `TCP%2FIP`; we match the raw path ourselves (see ``Route``).
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorContext

    let store: EmulatorStore
    let faults: FaultInjector
    let stats: StatsRecorder
    let admin: AdminAPI
    let logRequests: Bool

    /// Large enough for a 20,000-entry body of maximal words and translations.
    static let maxBodyBytes = 64 * 1024 * 1024

    func respond(to request: Request, context: EmulatorContext) async throws -> Response {
        let started = ContinuousClock.now
        let target = request.head.path ?? "/"
        let rawPath = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let query = target.firstIndex(of: "?").map { target[target.index(after: $0)...] } ?? ""
        let method = request.method.rawValue
        let transactionID = request.headers[Reply.transactionIDField] ?? GUID.random()

        var received = 0
        var isAPI = false
        var injected = false
        let reply: Reply?
        do {
            var request = request
            let body = try await collectBody(&request)
            received = body.readableBytes
            if rawPath.hasPrefix("/_emulator/") {
                reply = await admin.handle(method: method, path: rawPath, query: query, body: Array(buffer: body),
                                           authorization: request.headers[.authorization])
            } else if rawPath == "/identity/token" {
                reply = iamToken(method: method, body: Array(buffer: body))
            } else {
                switch Route.match(rawPath: rawPath) {
                case .notFound:
                    reply = .error(.init(status: 404, message: "No such child resource."))
                case .badEncoding:
                    reply = .error(.badRequest("Invalid percent-encoding in the request path"))
                case .route(.cp4dAuthorize, _):
                    reply = method == "POST" ? cp4dAuthorize(body: Array(buffer: body)) : Self.methodNotAllowed(.cp4dAuthorize, method)
                case .route(let route, let apiPath):
                    isAPI = true
                    let held = faults.holdFor(method: method, path: String(apiPath))
                    if let held { await held.hold() }
                    defer { held?.finish() }
                    let decision = faults.decide(method: method, path: String(apiPath))
                    if decision.latencyMilliseconds > 0 {
                        try await Task.sleep(for: .milliseconds(decision.latencyMilliseconds))
                    }
                    if let fault = decision.fault {
                        injected = true
                        reply = Self.reply(for: fault, retryAfter: decision.retryAfterSeconds)
                    } else {
                        reply = handleAPI(route: route, method: method, query: query, body: body,
                                          headers: request.headers)
                    }
                }
            }
        } catch let e as ErrorAnswer {
            reply = .error(e)
        }

        let sent = reply?.bodyCount ?? 0
        stats.record(method: method, status: reply?.status, api: isAPI, fault: injected, received: received, sent: sent)
        if logRequests {
            let d = ContinuousClock.now - started
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            let status = reply.map { String($0.status) } ?? "dropped"
            RequestLog.write("\(method) \(target) \(status) \(String(format: "%.1f", ms))ms\(injected ? " (injected)" : "")")
        }
        guard let reply else {
            // Dropped connection: close without a response; the write Hummingbird attempts next fails.
            context.channel.close(promise: nil)
            return Response(status: .internalServerError)
        }
        return reply.response(transactionID: transactionID)
    }

    private func collectBody(_ request: inout Request) async throws(ErrorAnswer) -> ByteBuffer {
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            // We cannot inflate without another dependency; say so instead of misreading the bytes.
            throw .init(status: 415, message: "Content-Encoding '\(encoding)' is not supported by the emulator; send the body uncompressed")
        }
        do {
            return try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw .init(status: 413, message: "Request body larger than \(Self.maxBodyBytes) bytes")
        }
    }

    static func reply(for fault: Fault?, retryAfter: Int) -> Reply? {
        switch fault {
        case .drop, nil: return nil
        case .status(let s):
            var r = Reply.error(.init(status: s, message: "Injected fault: \(ErrorAnswer.reason(s))"))
            if s == 429 || s == 503 { r.headers.append((.retryAfter, String(retryAfter))) }
            return r
        }
    }

    static func methodNotAllowed(_ route: Route, _ method: String) -> Reply {
        var r = Reply.error(.init(status: 405, message: "Method \(method) is not allowed on this resource"))
        r.headers.append((.allow, route.allowedMethods.joined(separator: ", ")))
        return r
    }

    // MARK: /v1

    private func handleAPI(route: Route, method: String, query: Substring, body: ByteBuffer, headers: HTTPFields) -> Reply {
        guard let instance = store.authenticate(authorization: headers[.authorization]) else {
            return .gatewayUnauthorized()
        }
        guard route.allowedMethods.contains(method) else { return Self.methodNotAllowed(route, method) }
        do {
            if body.readableBytes > 0, let type = headers[.contentType], !type.lowercased().contains("json") {
                throw ErrorAnswer(status: 415, message: "Unsupported Content-Type '\(type)': send application/json")
            }
            return try CustomizationAPI(instance: instance)
                .handle(route: route, method: method, query: query, body: body)
        } catch let e as ErrorAnswer {
            return .error(e)
        } catch {
            return .error(.init(status: 500, message: "Internal error"))
        }
    }

    // MARK: Token endpoints

    /// `POST /identity/token`, form-encoded apikey grant (reference §7.1).
    private func iamToken(method: String, body: [UInt8]) -> Reply {
        guard method == "POST" else { return .error(.init(status: 405, message: "Use POST")) }
        let form = FormBody.parse(body)
        guard form["grant_type"] == "urn:ibm:params:oauth:grant-type:apikey" else {
            return Self.iamError("BXNIM0103E", "Grant type is missing or not supported")
        }
        guard let key = form["apikey"], !key.isEmpty else {
            return Self.iamError("BXNIM0109E", "Property missing or empty. Property: apikey")
        }
        guard let token = store.issueToken(forAPIKey: key) else {
            return Self.iamError("BXNIM0415E", "Provided API key could not be found")
        }
        var w = JSONWriter()
        w.raw("{")
        w.field("access_token", token.accessToken, first: true)
        w.field("refresh_token", "not_supported")
        w.raw(",\"ims_user_id\":")
        w.number(1_000_001)
        w.field("token_type", "Bearer")
        w.raw(",\"expires_in\":")
        w.number(token.expiration - token.issuedAt)
        w.raw(",\"expiration\":")
        w.number(token.expiration)
        w.field("scope", "ibm openid")
        w.raw("}")
        return .json(200, w.bytes)
    }

    static func iamError(_ code: String, _ message: String) -> Reply {
        var w = JSONWriter()
        w.raw("{\"context\":{\"requestId\":")
        w.string(GUID.random())
        w.raw("}")
        w.field("errorCode", code)
        w.field("errorMessage", message)
        w.raw("}")
        return .json(400, w.bytes)
    }

    /// `POST {cp4d}/v1/authorize` with `{"username", "password"|"api_key"}` (reference §7.4).
    private func cp4dAuthorize(body: [UInt8]) -> Reply {
        struct Credentials: Decodable {
            var username: String?
            var password: String?
            var api_key: String?
        }
        guard let c = try? JSONDecoder().decode(Credentials.self, from: Data(body)),
              let key = c.api_key ?? c.password,
              let token = store.issueToken(forAPIKey: key)
        else {
            var w = JSONWriter()
            w.raw("{")
            w.field("_messageCode_", "401", first: true)
            w.field("message", "Invalid username or password")
            w.raw("}")
            return .json(401, w.bytes)
        }
        var w = JSONWriter()
        w.raw("{")
        w.field("_messageCode_", "200", first: true)
        w.field("message", "Success")
        w.field("token", token.accessToken)
        w.raw("}")
        return .json(200, w.bytes)
    }
}

/// `application/x-www-form-urlencoded` bodies (the IAM token request).
enum FormBody {
    static func parse(_ body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in PathSegment.decode(s.replacingOccurrences(of: "+", with: " ")) ?? "" }
            out[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }
}

/// One line per request on stderr, only with `logRequests`. Never headers or bodies (credentials).
enum RequestLog {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((Timestamp.format(milliseconds: Timestamp.nowMilliseconds()) + " " + line + "\n").utf8))
    }
}
