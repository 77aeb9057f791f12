import Foundation
import TTSAPI

/// Cleans text that came from elsewhere (server messages, library errors) before it goes into an error or a
/// log: the client's own secrets are replaced, whitespace runs collapse to one space, length is capped.
struct Scrubber: Sendable {
    let secrets: [String]

    func clean(_ text: String, limit: Int = 300) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "<redacted>")
        }
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        var line = words.joined(separator: " ")
        if line.count > limit { line = String(line.prefix(limit)) + "…" }
        return line
    }
}

/// Reading of answer bodies: error bodies in their several IBM shapes, success bodies as the JSON expected.
enum AnswerBody {
    /// The gateway's extra keys (`trace`, `more_info`) tell its 401 apart from the service's own.
    private struct GatewayKeys: Decodable {
        var trace: String?
        var moreInfo: String?
        enum CodingKeys: String, CodingKey {
            case trace
            case moreInfo = "more_info"
        }
    }

    struct ErrorInfo {
        var message: String?
        var fromGateway: Bool
    }

    static func errorInfo(_ body: Data, contentType: String?, scrubber: Scrubber) -> ErrorInfo {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return ErrorInfo(message: nil, fromGateway: false) }
        let type = contentType?.lowercased() ?? ""
        if type.contains("html") || text.hasPrefix("<") {
            return ErrorInfo(message: htmlSummary(text, scrubber: scrubber), fromGateway: false)
        }
        if let parsed = try? JSONDecoder().decode(ServiceErrorBody.self, from: body) {
            let gateway = (try? JSONDecoder().decode(GatewayKeys.self, from: body)).map { $0.trace != nil || $0.moreInfo != nil } ?? false
            return ErrorInfo(message: parsed.bestMessage.map { scrubber.clean($0) }, fromGateway: gateway)
        }
        if type.contains("json") {
            return ErrorInfo(message: "error body is not valid JSON", fromGateway: false)
        }
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return ErrorInfo(message: scrubber.clean(firstLine, limit: 200), fromGateway: false)
    }

    /// An HTML page is never dumped; its title, if any, says enough (proxies put the status there).
    private static func htmlSummary(_ text: String, scrubber: Scrubber) -> String {
        if let open = text.range(of: "<title>", options: .caseInsensitive),
           let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex) {
            let title = scrubber.clean(String(text[open.upperBound..<close.lowerBound]), limit: 100)
            if !title.isEmpty { return "HTML page instead of JSON (\(title))" }
        }
        return "HTML page instead of JSON"
    }

    /// Decodes a success body, or says in a few words why it cannot be used.
    static func decode<T: Decodable>(_ type: T.Type, from body: Data, contentType: String?) throws(MalformedAnswer) -> T {
        try checkJSON(body, contentType: contentType)
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw MalformedAnswer(summary(error))
        } catch {
            throw MalformedAnswer("invalid JSON")
        }
    }

    /// As ``decode(_:from:contentType:)`` but with one of TTSAPI's hand-written decoders, for the answers
    /// that carry whole lexicons (JSONDecoder was a third of a snapshot's CPU time).
    static func decode<T>(from body: Data, contentType: String?,
                          _ fast: (UnsafeRawBufferPointer) throws(JSONScanError) -> T) throws(MalformedAnswer) -> T {
        try checkJSON(body, contentType: contentType)
        let result: Result<T, JSONScanError> = body.withUnsafeBytes { raw in
            do throws(JSONScanError) { return .success(try fast(raw)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let value): return value
        case .failure(.syntax): throw MalformedAnswer("invalid JSON")
        case .failure(.missing(let key)): throw MalformedAnswer("missing field \(key)")
        case .failure(.wrongType(let key)): throw MalformedAnswer("unexpected value at \(key)")
        }
    }

    /// A success body must be non-empty JSON; an HTML login page from a proxy is called what it is.
    private static func checkJSON(_ body: Data, contentType: String?) throws(MalformedAnswer) {
        let text = String(decoding: body.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let contentType, !contentType.lowercased().contains("json") {
            let shown = contentType.split(separator: ";").first.map { String($0.prefix(60)) } ?? ""
            throw MalformedAnswer(text.hasPrefix("<") ? "HTML page instead of JSON (content type \(shown))"
                                                      : "expected JSON, got content type \(shown)")
        }
        if text.isEmpty { throw MalformedAnswer("empty answer, expected JSON") }
    }

    private static func summary(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "invalid JSON"
        case .dataCorrupted(let context): return "unreadable value at \(path(context.codingPath))"
        case .keyNotFound(let key, let context): return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value at \(path(context.codingPath))"
        @unknown default: return "invalid JSON"
        }
    }
}

struct MalformedAnswer: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
