import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Answers whose JSON is already encoded, sent as they are. The generated code encodes every JSON answer from its
/// typed value; the diff of two snapshots is kept as the bytes `diff --json` prints (``DiffCache``), and decoding
/// them into the document's free-form `Diff` only to encode them again cost about 250 ms a request for a 700 KB
/// diff (a tree of generic values, cast value by value), against under a millisecond to send them.
///
/// A handler calls ``send(_:)`` with the bytes, then answers its documented 200 with an empty value; this
/// middleware, around every operation, sends the bytes in place of that value's encoding, with the status and
/// headers (`Content-Type: application/json`) the generated code set and the bytes' `Content-Length`. The
/// document still describes the answer: the bytes are its `Diff` (the CLI's `diff --json` schema), and
/// `scripts/api-test` checks them against it.
struct EncodedAnswer: ServerMiddleware {
    /// Where a handler leaves its bytes; one per request, read after its handler returned.
    final class Slot: @unchecked Sendable {
        var bytes: [UInt8]?
    }

    @TaskLocal static var slot: Slot?

    /// Makes `bytes` the body of the answer the calling handler returns. Only inside a request (the middleware is
    /// installed on every operation by ``ArchiveHTTPServer/makeRouter()``) or ``capturing(_:)``.
    static func send(_ bytes: [UInt8]) {
        precondition(slot != nil, "EncodedAnswer.send outside a request: the middleware is not installed")
        slot?.bytes = bytes
    }

    /// Answers `value` as the bytes `encoded` writes for it: in a request (or ``capturing(_:)``) sends them and
    /// returns `empty`, the documented value the generated code then encodes in a moment; called directly (the
    /// web page reads handlers' typed answers) returns `value` itself.
    static func answer<T>(_ value: T, encoded: (T) -> [UInt8], empty: T) -> T {
        guard let slot else { return value }
        slot.bytes = encoded(value)
        return empty
    }

    /// Calls a handler directly (as the web page does) and returns its answer with the bytes it sent, if any.
    static func capturing<T>(_ handler: () async throws -> T) async throws -> (answer: T, bytes: [UInt8]?) {
        let slot = Slot()
        let answer = try await $slot.withValue(slot) { try await handler() }
        return (answer, slot.bytes)
    }

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        let slot = Slot()
        var (response, encoded) = try await Self.$slot.withValue(slot) { try await next(request, body, metadata) }
        guard let bytes = slot.bytes else { return (response, encoded) }
        response.headerFields[.contentLength] = String(bytes.count)  // it was the empty value's
        return (response, HTTPBody(bytes))
    }
}
