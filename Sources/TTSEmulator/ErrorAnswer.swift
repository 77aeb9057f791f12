/// An error answer of the emulated service: HTTP status plus the human message that goes into the Watson
/// error body `{"code", "code_description", "error"}`.
public struct ErrorAnswer: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }

    static func badRequest(_ message: String) -> ErrorAnswer { .init(status: 400, message: message) }

    /// Unknown, deleted or other-instance id: the service answers 401, not 404 (reference §2.3 (4)).
    /// The message text is [ND]; this wording follows the API reference's description of that 401.
    static func invalidCustomization(_ id: String) -> ErrorAnswer {
        .init(status: 401, message: "Invalid customization ID '\(id)': it is not valid for the requesting credentials")
    }

    /// Non-GUID id: [ND] for TTS; Speech to Text answers this 400, so we mimic it (reference §2.3 (4)).
    static func malformedGUID(_ id: String) -> ErrorAnswer { .badRequest("Malformed GUID: '\(id)'") }

    /// A word missing from a model: 400 as observed (python-sdk #639); exact text [ND].
    static func wordNotFound(_ word: String) -> ErrorAnswer {
        .badRequest("Word '\(word)' not found in custom model")
    }

    static let posJapaneseOnly = ErrorAnswer.badRequest("Part of speech is supported for ja-JP language only")

    /// Reason phrases used as `code_description`.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "No Such Resource"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }
}
