import Foundation
import NIOCore
import TTSAPI

/// Maps one authenticated `/v1/customizations...` request onto a ``ServiceInstance`` operation and its
/// documented status (reference §2.1): create 201, update/add 200 `{}`, deletes 204, reads 200.
struct CustomizationAPI {
    let instance: ServiceInstance

    /// `body` stays a ByteBuffer so the word lists, the large bodies, are decoded where they were received.
    func handle(route: Route, method: String, query: Substring, body: ByteBuffer) throws(ErrorAnswer) -> Reply {
        switch (route, method) {
        case (.models, "GET"):
            let language = Self.queryValue("language", in: query)
            var w = JSONWriter()
            w.raw("{\"customizations\":")
            w.array(instance.listModels(language: language)) { w, m in
                w.modelHead(ModelMetadata(m))
                w.raw("}")
            }
            w.raw("}")
            return .json(200, w.bytes)
        case (.models, "POST"):
            let id = try instance.createModel(try Self.decode(CreateModelRequest.self, Array(buffer: body)))
            var w = JSONWriter()
            w.raw("{\"customization_id\":")
            w.string(id)
            w.raw("}")
            return .json(201, w.bytes)
        case (.model(let id), "GET"):
            return .json(200, parts: try instance.encodedModel(id: id))
        case (.model(let id), "POST"):
            // The SDK sends `{}` for an update without arguments; an empty body means the same.
            let request = body.readableBytes == 0 ? UpdateModelRequest() : try WordListParser.parseUpdate(body)
            try instance.updateModel(id: id, request)
            return .emptyObject
        case (.model(let id), "DELETE"):
            try instance.deleteModel(id: id)
            return .noContent
        case (.words(let id), "GET"):
            return .json(200, parts: [ByteBuffer(string: "{\"words\":"), try instance.encodedWords(id: id), ByteBuffer(string: "}")])
        case (.words(let id), "POST"):
            guard body.readableBytes > 0 else { throw .badRequest("The request body is empty; a JSON object is required") }
            try instance.addWords(id: id, try WordListParser.parse(body))
            return .emptyObject
        case (.word(let id, let word), "GET"):
            let t = try instance.word(id: id, word: word)
            var w = JSONWriter()
            w.translation(t.translation, partOfSpeech: t.partOfSpeech)
            return .json(200, w.bytes)
        case (.word(let id, let word), "PUT"):
            try instance.setWord(id: id, word: word, try Self.decode(Translation.self, Array(buffer: body)))
            return .emptyObject
        case (.word(let id, let word), "DELETE"):
            try instance.deleteWord(id: id, word: word)
            return .noContent
        case (.prompts(let id), "GET"):
            var w = JSONWriter()
            w.raw("{\"prompts\":")
            w.prompts(try instance.prompts(id: id))
            w.raw("}")
            return .json(200, w.bytes)
        case (.prompt(let id, let promptID), "GET"):
            var w = JSONWriter()
            w.prompt(try instance.prompt(id: id, promptID: promptID))
            return .json(200, w.bytes)
        case (.prompt(let id, _), "POST"):
            // Creating prompts is deprecated since March 2026 (reference §6); the exact answer is [ND].
            _ = try instance.prompts(id: id)
            throw .badRequest("Custom prompts are deprecated: adding a custom prompt is no longer supported")
        case (.prompt(let id, let promptID), "DELETE"):
            try instance.deletePrompt(id: id, promptID: promptID)
            return .noContent
        default:
            return EmulatorResponder.methodNotAllowed(route, method)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws(ErrorAnswer) -> T {
        guard !body.isEmpty else { throw .badRequest("The request body is empty; a JSON object is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badRequest("Required parameter '\(key.stringValue)' is missing from the request body")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let path = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw .badRequest("Invalid value for '\(path)' in the request body")
        } catch {
            throw .badRequest("The request body is not valid JSON")
        }
    }

    static func queryValue(_ name: String, in query: Substring) -> String? {
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv[0] == name { return kv.count > 1 ? PathSegment.decode(kv[1]) : "" }
        }
        return nil
    }
}

extension ModelMetadata {
    init(_ m: CustomModel) {
        self.init(id: m.customizationID, owner: m.owner ?? "", created: m.created ?? "",
                  lastModified: m.lastModified ?? "", name: m.name ?? "", language: m.language ?? "",
                  description: m.description ?? "")
    }
}
