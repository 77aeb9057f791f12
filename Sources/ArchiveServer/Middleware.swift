import Digest
import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime

/// What a handler knows of the request beyond its typed input: the base URL for absolute links
/// (`Operation-Location`, `Location`, `nextLink`, `resourceLocation`, a snapshot's `url`), from the request's `Host`.
enum RequestInfo {
    @TaskLocal static var baseURL = "http://127.0.0.1"

    /// `scheme://authority` from the request's `Host` when it is a valid `host[:port]` (a DNS name, IPv4, or an
    /// `[IPv6]` literal; port 1 to 65535), else from the address the server listens on: a missing or malformed
    /// Host (spaces, a path, userinfo, a bad port) never makes a link.
    static func baseURL(host: String?, scheme: String, fallback: String) -> String {
        "\(scheme)://\(host.flatMap(validAuthority) ?? fallback)"
    }

    /// As ``baseURL(host:scheme:fallback:)``, honouring a reverse proxy's `X-Forwarded-Host` (a valid
    /// host[:port], first of a list) and `X-Forwarded-Proto` (`http` or `https`) over the request's own; anything
    /// else in them is ignored.
    static func baseURL(host: String?, scheme: String, fallback: String, forwardedHost: String?, forwardedProto: String?) -> String {
        func first(_ value: String?) -> String? {
            value?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let proto = first(forwardedProto).map { $0.lowercased() }.flatMap { ["http", "https"].contains($0) ? $0 : nil }
        let forwarded = first(forwardedHost).flatMap(validAuthority)
        return baseURL(host: forwarded ?? host, scheme: proto ?? scheme, fallback: fallback)
    }

    static func validAuthority(_ text: String) -> String? {
        guard !text.isEmpty, text.count <= 260 else { return nil }
        var host = Substring(text), port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                port = rest.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                port = text[text.index(after: colon)...]
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard !host.isEmpty, host.count <= 253, labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }) else { return nil }
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(port), (1...65535).contains(number) else { return nil }
        }
        return text.lowercased()
    }
}

/// The address the server listens on, `host:port` (`[::1]:port`), once it is bound: links fall back to it.
final class ListeningAddress: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String

    init(host: String, port: Int) { value = Self.authority(host: host, port: port) }

    static func authority(host: String, port: Int) -> String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    var authority: String {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// Everything every request passes through, outermost first: one log line per request (method, path, status,
/// milliseconds: no header, no query, no body, so no credential), the JSON error shape for every 4xx and 5xx
/// (including the router's own 404/405 and bodies the generated code cannot decode), the body size limit, and
/// the bearer token.
struct ArchiveMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]?
    let publicRead: Bool
    let bodyLimit: Int
    let logger: Logger
    /// The document's paths: a path it has, asked with a method it does not list, is 405, not 404.
    let paths: DocumentPaths
    /// The web page (issue 21): its own paths decide their access (an HTML login); its session cookie stands for
    /// the token on the API calls its script makes.
    var page: PageAccess? = nil
    /// `http`, or `https` when the server itself speaks TLS.
    var scheme = "http"
    /// Where links point when the request's Host cannot be used.
    var listening = ListeningAddress(host: "127.0.0.1", port: 8080)

    /// Paths any client may read: a load balancer's probes and the API document.
    static var openPaths: Set<String> { ["/healthz", "/readyz", "/openapi.yaml"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = await answer(request, context: context, next: next)
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "ms": "\(String(format: "%.1f", ms))",
        ])
        return response
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        var request = request
        do {
            if let denied = authorize(request) { return Self.errorResponse(denied) }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyLimit {
                return Self.errorResponse(Self.tooLarge(bodyLimit))
            }
            if request.method != .get, request.method != .head {
                let body: ByteBuffer
                do {
                    body = try await request.collectBody(upTo: bodyLimit)
                } catch {
                    return Self.errorResponse(Self.tooLarge(bodyLimit))
                }
                // No body is an empty request (`curl -X POST` with no -d): `{}`, so optional bodies stay optional
                // and a required field is named as missing.
                if body.readableBytes == 0 {
                    var head = request.head
                    head.headerFields[.contentType] = "application/json"
                    head.headerFields[.contentLength] = "2"
                    request = Request(head: head, body: .init(buffer: ByteBuffer(string: "{}")))
                } else if let refused = Self.explicitNull(body) {
                    return Self.errorResponse(refused)
                }
            }
            let base = RequestInfo.baseURL(host: request.head.authority, scheme: scheme, fallback: listening.authority,
                                           forwardedHost: request.headers.first { $0.name.canonicalName == "x-forwarded-host" }?.value,
                                           forwardedProto: request.headers.first { $0.name.canonicalName == "x-forwarded-proto" }?.value)
            var response = try await RequestInfo.$baseURL.withValue(base) {
                try await next(request, context)
            }
            // The generated code percent-encodes header values (simple style); these are URLs and ids.
            for name in response.headers.map(\.name) where ["operation-location", "location"].contains(name.canonicalName) {
                if let value = response.headers[name], let decoded = value.removingPercentEncoding { response.headers[name] = decoded }
            }
            return response
        } catch let error as HTTPError {
            let allowed = paths.methods(request.uri.path)
            if error.status == .notFound, !allowed.isEmpty {
                var response = Self.errorResponse(APIError(status: 405, code: Self.code(.methodNotAllowed),
                                                           message: Self.message(.methodNotAllowed, request)))
                response.headers[.allow] = Array(Set(allowed)).sorted().joined(separator: ", ")
                return response
            }
            return Self.errorResponse(APIError(status: Int(error.status.code), code: Self.code(error.status),
                                               message: error.body ?? Self.message(error.status, request)))
        } catch let error as ServerError {
            return Self.errorResponse(Self.decodingError(error))
        } catch {
            logger.error("request failed: \(String(describing: error))")
            return Self.errorResponse(APIError(status: 500, code: "internal", message: "internal error"))
        }
    }

    /// 401 unless the request may pass: open paths always; with a token, every other request needs it, reads
    /// too unless `--public-read`.
    private func authorize(_ request: Request) -> APIError? {
        guard let token, !Self.openPaths.contains(request.uri.path) else { return nil }
        let read = request.method == .get || request.method == .head
        if read && publicRead { return nil }
        if let page, PageAccess.isPagePath(request.uri.path) || page.sessionAllowsAPI(request) { return nil }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return .unauthorized }
        let given = Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        return BearerToken.matches(given, token) ? nil
            : APIError(status: 401, code: "unauthorized", message: "the bearer token is not this server's")
    }


    /// A field given as JSON `null`. No request schema of the document allows null (an optional field is left
    /// out), and the generated decoder would read `null` as absent: refused, naming the field.
    static func explicitNull(_ body: ByteBuffer) -> APIError? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]))
            as? [String: Any], let key = object.keys.sorted().first(where: { object[$0] is NSNull }) else { return nil }
        return .badRequest("field '\(key)' is null: leave an optional field out, or give it a value", target: key)
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: 413, code: "too_large", message: "the request body is over \(limit) bytes")
    }

    /// A request the generated code could not read: a missing or malformed parameter, header or body.
    static func decodingError(_ error: ServerError) -> APIError {
        var message = error.causeDescription
        if let underlying = error.underlyingError as? DecodingError {
            message += ": " + describe(underlying)
        } else {
            message += ": \(error.underlyingError)"
        }
        return .badRequest(message, target: target(of: error))
    }

    static func target(of error: ServerError) -> String? {
        guard let underlying = error.underlyingError as? DecodingError else { return nil }
        switch underlying {
        case .keyNotFound(let key, let c): return (c.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? nil : path
        @unknown default: return nil
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case .typeMismatch(let type, let c): "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))' is not \(type): \(c.debugDescription)"
        case .valueNotFound(_, let c): "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))' is null"
        case .dataCorrupted(let c): c.debugDescription + (c.codingPath.isEmpty ? "" : " (at '\(c.codingPath.map(\.stringValue).joined(separator: "."))')")
        @unknown default: "\(error)"
        }
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "too_large"
        default: status.code >= 500 ? "internal" : "error"
        }
    }

    static func message(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status.code {
        case 404: "no such resource: \(request.uri.path) (see /openapi.yaml)"
        case 405: "\(request.method.rawValue) is not allowed on \(request.uri.path)"
        default: status.reasonPhrase
        }
    }

    static func errorResponse(_ error: APIError) -> Response {
        var body = ByteBuffer()
        body.writeBytes(ErrorBody.encode(error))
        return Response(status: .init(code: error.status), headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: body))
    }
}

/// `{"error": {"code", "message", "target"}}`, written without the generated types (the middleware answers
/// before any handler runs).
enum ErrorBody {
    struct Envelope: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var target: String?
        }
        var error: Detail
    }

    static func encode(_ error: APIError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Envelope(error: .init(code: error.code, message: error.message, target: error.target))))
            ?? Data(#"{"error":{"code":"internal","message":"internal error"}}"#.utf8)
    }
}

enum BearerToken {
    /// Compares digests of both, so neither the length nor the first differing byte shows in the time taken.
    static func matches(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var x = SHA256(), y = SHA256()
        x.update(a)
        y.update(b)
        let dx = x.finalize(), dy = y.finalize()
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for i in 0..<min(dx.count, dy.count) { difference |= dx[i] ^ dy[i] }
        return difference == 0
    }
}

/// The path templates of `openapi.yaml` (`/v1/operations/{id}:cancel`) with their methods, matched segment by
/// segment.
struct DocumentPaths: Sendable {
    let templates: [(segments: [String], methods: [String])]

    init(document: String) {
        // Keys of `paths:` are the lines indented by two spaces under it; their methods, by four.
        var templates: [(segments: [String], methods: [String])] = []
        var inPaths = false
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") { inPaths = line.hasPrefix("paths:") }
            guard inPaths, line.hasSuffix(":") else { continue }
            if line.hasPrefix("  /") {
                templates.append((line.dropFirst(2).dropLast().split(separator: "/", omittingEmptySubsequences: false).map(String.init), []))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), methods.contains(String(line.dropFirst(4).dropLast())),
                      !templates.isEmpty {
                templates[templates.count - 1].methods.append(line.dropFirst(4).dropLast().uppercased())
            }
        }
        self.templates = templates
    }

    /// The methods the document lists for `path`; empty when it has no such path.
    func methods(_ path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let matching = templates.filter { t in
            t.segments.count == segments.count && zip(t.segments, segments).allSatisfy { Self.matches($0, Substring($1)) }
        }
        // The most specific wins, as in the router: `{id}:cancel` over `{id}` for `abc:cancel`.
        func literal(_ t: [String]) -> Int { t.reduce(0) { $0 + Self.literalCount($1) } }
        let best = matching.map { literal($0.segments) }.max()
        return matching.filter { literal($0.segments) == best }.flatMap(\.methods)
    }

    /// Characters of a template segment that must match literally (`:cancel` of `{id}:cancel`).
    static func literalCount(_ template: String) -> Int {
        guard template.hasPrefix("{"), let close = template.firstIndex(of: "}") else { return template.count }
        return template[template.index(after: close)...].count
    }

    /// `{id}:cancel` matches `abc:cancel`; `{selector}` any non-empty segment; anything else itself.
    static func matches(_ template: String, _ segment: Substring) -> Bool {
        guard template.hasPrefix("{"), let close = template.firstIndex(of: "}") else { return template == segment }
        let suffix = template[template.index(after: close)...]
        return segment.count > suffix.count && segment.hasSuffix(suffix)
    }
}
