import ArchiveCore
import Foundation
import SQLiteDB
import TTSClient

/// An error answer: `{"error": {"code", "message", "target"}}` with its HTTP status. Every 4xx and 5xx the
/// server gives has this shape (the handlers' typed answers, the middleware's refusals, bodies the generated
/// code cannot decode).
struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    var status: Int
    var code: String
    var message: String
    /// The parameter, header or field at fault.
    var target: String?

    var description: String { message }

    static func badRequest(_ message: String, target: String? = nil, code: String = "bad_request") -> APIError {
        APIError(status: 400, code: code, message: message, target: target)
    }
    static func notFound(_ message: String, target: String? = nil) -> APIError {
        APIError(status: 404, code: "not_found", message: message, target: target)
    }
    static func conflict(_ message: String, target: String? = nil, code: String = "conflict") -> APIError {
        APIError(status: 409, code: code, message: message, target: target)
    }
    static let unauthorized = APIError(status: 401, code: "unauthorized",
                                       message: "this server needs a bearer token: send Authorization: Bearer TOKEN")

    /// What a core error means for a request: bad input (400), nothing there (404), busy (409), else 500.
    static func from(_ error: any Error, target: String? = nil) -> APIError {
        if let e = error as? APIError { return e }
        let error = ArchiveStore.archiveError(for: error) ?? error
        switch error {
        case let e as SelectorError:
            switch e {
            case .malformed: return .badRequest(e.description, target: target)
            case .notFound, .empty: return .notFound(e.description, target: target)
            case .ambiguous: return .badRequest(e.description, target: target)
            }
        case let e as ModelFilterError:
            return .badRequest(e.description, target: target)
        case let e as SQLiteError where e.isBusy:
            return .conflict("the archive is busy (\(e.message)); try again", code: "locked")
        case let e as ArchiveError:
            if case .locked = e { return .conflict(e.description, code: "locked") }
            return APIError(status: 500, code: "archive_unusable", message: e.description)
        case let e as ServiceError:
            return APIError(status: 502, code: OperationOutcome.code(for: e), message: e.description)
        case let e as CredentialError:
            return APIError(status: 500, code: "credentials", message: e.description, target: target)
        default:
            return APIError(status: 500, code: "internal", message: String(describing: error))
        }
    }
}
