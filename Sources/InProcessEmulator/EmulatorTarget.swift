import ArchiveCore
import TTSAPI
import TTSClient
import TTSEmulator

/// The in-process emulator as a restore target (`drill`, `snapshot --drill`): calls a ``ServiceInstance``
/// directly, with no HTTP and no port, and answers its refusals as the client would: a
/// ``TTSClient/ServiceError`` of the kind the client gives that status, with the same method, path and message.
///
/// It lives in its own small module because both front doors (the CLI's `drill`, the server's drills) use it,
/// and TTSEmulator and ArchiveCore know nothing of each other.
public struct EmulatorTarget: RestoreTarget {
    public let instance: ServiceInstance
    /// What the drill's scratch journal and report name as the target.
    public let serviceURL: String

    public init(_ instance: ServiceInstance, serviceURL: String = "in-process emulator") {
        self.instance = instance
        self.serviceURL = serviceURL
    }

    public func listModels() async throws -> [CustomModel] { instance.listModels() }

    public func createModel(_ request: CreateModelRequest) async throws -> CreatedModel {
        try call("POST", creating: true) { () throws(TTSEmulator.ErrorAnswer) in
            CreatedModel(customizationID: try instance.createModel(request))
        }
    }

    public func updateModel(id: String, _ update: UpdateModelRequest) async throws {
        try call("POST", id) { () throws(TTSEmulator.ErrorAnswer) in try instance.updateModel(id: id, update) }
    }

    public func addWords(id: String, _ words: PackedWords, _ range: Range<Int>) async throws {
        let entries = range.map(words.entry)
        try call("POST", id, "words") { () throws(TTSEmulator.ErrorAnswer) in try instance.addWords(id: id, entries) }
    }

    public func addWord(id: String, word: String, _ translation: Translation) async throws {
        try call("PUT", id, "words", word) { () throws(TTSEmulator.ErrorAnswer) in try instance.setWord(id: id, word: word, translation) }
    }

    public func getWord(id: String, word: String) async throws -> Translation {
        try call("GET", id, "words", word) { () throws(TTSEmulator.ErrorAnswer) in try instance.word(id: id, word: word) }
    }

    public func deleteModel(id: String) async throws {
        try call("DELETE", id) { () throws(TTSEmulator.ErrorAnswer) in try instance.deleteModel(id: id) }
    }

    public func deleteWord(id: String, word: String) async throws {
        try call("DELETE", id, "words", word) { () throws(TTSEmulator.ErrorAnswer) in try instance.deleteWord(id: id, word: word) }
    }

    public func getModelPackingWords(id: String) async throws -> (model: CustomModel, words: PackedWords) {
        var model = try call("GET", id) { () throws(TTSEmulator.ErrorAnswer) in try instance.model(id: id) }
        let words = PackedWords(model.words ?? [])
        model.words = nil
        return (model, words)
    }

    /// Runs one operation; a refusal becomes the client's error for `method` on `/v1/customizations/segments...`.
    private func call<T>(_ method: String, _ segments: String..., creating: Bool = false,
                         _ body: () throws(TTSEmulator.ErrorAnswer) -> T) throws(TTSClient.ServiceError) -> T {
        do {
            return try body()
        } catch {
            let path = "/" + (["v1", "customizations"] + segments).map(PathSegment.encode).joined(separator: "/")
            throw Self.clientError(error, method: method, path: path, namesCustomization: !segments.isEmpty, creating: creating)
        }
    }

    /// The client's classification of an HTTP error status (`Transport.statusError`), for an answer that never
    /// crossed a gateway.
    public static func clientError(_ error: TTSEmulator.ErrorAnswer, method: String, path: String, namesCustomization: Bool,
                                   creating: Bool) -> TTSClient.ServiceError {
        let kind: TTSClient.ServiceError.Kind = switch error.status {
        case 400: .badRequest
        case 401: namesCustomization ? .unknownCustomization : .authentication
        case 403: .authentication
        case 404: .notFound
        case 429: .rateLimited
        case 500...: creating ? .ambiguousCreate : .serverError
        default: .unexpectedStatus
        }
        return TTSClient.ServiceError(kind: kind, method: method, path: path, status: error.status, message: error.message)
    }
}
