import Foundation
import TTSAPI
import Hummingbird
import NIOCore

/// `HTTPField.Name` without importing HTTPTypes (not a declared dependency of this target).
typealias FieldName = HTTPFields.Element.Name

/// An answer before it becomes a Hummingbird `Response`: every body is JSON (reference §9.3).
struct Reply: Sendable {
    var status: Int
    /// The body's pieces, sent one after another: get-model and list-words send a model's cached word list
    /// as it is instead of copying it into one buffer per request.
    var body: [ByteBuffer]?
    var headers: [(FieldName, String)] = []

    static func json(_ status: Int, _ body: [UInt8]) -> Reply { Reply(status: status, body: [ByteBuffer(bytes: body)]) }
    static func json(_ status: Int, parts: [ByteBuffer]) -> Reply { Reply(status: status, body: parts) }
    static let emptyObject = Reply(status: 200, body: [ByteBuffer(string: "{}")])
    static let noContent = Reply(status: 204, body: nil)

    var bodyCount: Int { body?.reduce(0) { $0 + $1.readableBytes } ?? 0 }

    /// Watson error body `{"code","code_description","error"}` (reference §3).
    static func error(_ e: ErrorAnswer) -> Reply {
        var w = JSONWriter()
        w.raw("{\"code\":")
        w.number(e.status)
        w.field("code_description", ErrorAnswer.reason(e.status))
        w.field("error", e.message)
        w.raw("}")
        return .json(e.status, w.bytes)
    }

    /// The IBM Cloud gateway's answer to missing, unknown or expired credentials (reference §3).
    static func gatewayUnauthorized() -> Reply {
        var w = JSONWriter()
        w.raw("{\"code\":401")
        w.field("error", "Unauthorized")
        w.field("trace", GUID.random())
        w.field("more_info", "https://cloud.ibm.com/docs/watson?topic=watson-authorization-error")
        w.raw("}")
        return .json(401, w.bytes)
    }

    static func encodable<T: Encodable>(_ status: Int, _ value: T) -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .json(status, (try? Array(encoder.encode(value))) ?? Array("{}".utf8))
    }

    static let transactionIDField = FieldName("X-Global-Transaction-Id")!

    func response(transactionID: String) -> Response {
        var fields = HTTPFields()
        fields[Reply.transactionIDField] = transactionID
        for (name, value) in headers { fields[name] = value }
        guard let body else { return Response(status: .init(code: status), headers: fields) }
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: .init(code: status), headers: fields,
                        body: body.count == 1 ? ResponseBody(byteBuffer: body[0]) : ResponseBody(contentsOf: body))
    }
}
