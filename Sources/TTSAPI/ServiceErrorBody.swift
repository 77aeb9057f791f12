/// The JSON error body of the Watson services: `{"code": 400, "code_description": "Bad Request", "error": "..."}`.
///
/// Decoding is lenient because other parts of IBM Cloud answer with other shapes (the gateway's
/// `{"code", "error", "trace", "more_info"}`, IAM's `{"errorCode", "errorMessage"}`); ``message`` picks the
/// human text the way IBM's SDK core does: `errors[0].message`, then `error`, `message`, `errorMessage`.
public struct ServiceErrorBody: Codable, Sendable, Equatable {
    public var code: Int?
    public var codeDescription: String?
    public var error: String?
    public var message: String?
    public var errorMessage: String?
    public var errors: [Item]?

    public struct Item: Codable, Sendable, Equatable {
        public var message: String?
    }

    public init(code: Int, codeDescription: String, error: String) {
        self.code = code
        self.codeDescription = codeDescription
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case code
        case codeDescription = "code_description"
        case error, message, errorMessage, errors
    }

    /// The most specific human-readable message present, if any.
    public var bestMessage: String? {
        errors?.first?.message ?? error ?? message ?? errorMessage
    }
}
