import Foundation
import TTSAPI
import TTSClient
import Testing

/// Request shape of every endpoint (method, path, query, headers, body) and decoding of the answers.
@Suite struct EndpointTests {
    static let model = #"""
    {"customization_id":"cid-1","owner":"own-1","created":"2016-07-15T18:12:31.743Z",
     "last_modified":"2016-07-15T18:12:31.743Z","name":"Test","language":"ja-JP","description":"d",
     "words":[{"word":"ＮＹ","translation":"ニューヨーク","part_of_speech":"Mesi"}],
     "prompts":[{"prompt":"Hello","prompt_id":"greeting","status":"available","speaker_id":"spk"}]}
    """#

    /// Answers like the service does, keyed by method and raw path.
    static func service(_ request: RecordedRequest) -> StubResponse {
        switch (request.method, request.path) {
        case ("GET", "/v1/customizations"):
            return .json(200, #"{"customizations":[{"customization_id":"cid-1","name":"A","language":"en-US","owner":"o","created":"c","last_modified":"m","description":"x"}]}"#)
        case ("POST", "/v1/customizations"):
            return .json(201, #"{"customization_id":"new-id"}"#)
        case ("GET", "/v1/customizations/cid-1"):
            return .json(200, model)
        case ("POST", "/v1/customizations/cid-1"):
            return StubResponse(status: 200)
        case ("DELETE", _):
            return StubResponse(status: 204)
        case ("POST", "/v1/customizations/cid-1/words"):
            return .json(200, "{}")
        case ("GET", "/v1/customizations/cid-1/words"):
            return .json(200, #"{"words":[{"word":"IEEE","translation":"I triple E"},{"word":"iPhone","translation":"I phone"}]}"#)
        case ("PUT", _):
            return .json(200, "{}")
        case ("GET", "/v1/customizations/cid-1/prompts"):
            return .json(200, #"{"prompts":[{"prompt":"Hi","prompt_id":"p1","status":"processing"}]}"#)
        case ("GET", let path) where path.hasPrefix("/v1/customizations/cid-1/words/"):
            return .json(200, #"{"translation":"I triple E"}"#)
        default:
            return .watsonError(404, "No Such Resource", "No such child resource.")
        }
    }

    @Test func listModelsWithLanguageQuery() async throws {
        try await withStubServer(Self.service) { server in
            let models = try await withClient(server.url) { try await $0.listModels(language: "en-US") }
            let all = try await withClient(server.url) { try await $0.listModels() }
            #expect(models == [CustomModel(customizationID: "cid-1", name: "A", language: "en-US", owner: "o",
                                           created: "c", lastModified: "m", description: "x")])
            #expect(all.count == 1)
            let requests = await server.requests
            #expect(requests.map(\.method) == ["GET", "GET"])
            #expect(requests[0].path == "/v1/customizations")
            #expect(requests[0].query == "language=en-US")
            #expect(requests[1].query == nil)
            #expect(requests[0].headers["accept"] == "application/json")
            #expect(requests[0].headers["authorization"] == nil)
            #expect(requests[0].body.isEmpty)
        }
    }

    @Test func createModelPostsBodyAndReadsID() async throws {
        try await withStubServer(Self.service) { server in
            let created = try await withClient(server.url) {
                try await $0.createModel(CreateModelRequest(name: "Medical", language: "en-GB", description: "terms"))
            }
            let defaulted = try await withClient(server.url) { try await $0.createModel(CreateModelRequest(name: "N")) }
            #expect(created == CreatedModel(customizationID: "new-id"))
            #expect(defaulted.customizationID == "new-id")
            let requests = await server.requests
            #expect(requests[0].method == "POST")
            #expect(requests[0].path == "/v1/customizations")
            #expect(requests[0].headers["content-type"] == "application/json")
            #expect(requests[0].canonicalJSON == #"{"description":"terms","language":"en-GB","name":"Medical"}"#)
            // Absent optional fields are omitted, not sent as null.
            #expect(requests[1].canonicalJSON == #"{"name":"N"}"#)
        }
    }

    @Test func getModelDecodesWordsAndPrompts() async throws {
        try await withStubServer(Self.service) { server in
            let model = try await withClient(server.url) { try await $0.getModel(id: "cid-1") }
            #expect(model.customizationID == "cid-1")
            #expect(model.lastModified == "2016-07-15T18:12:31.743Z")
            #expect(model.words == [WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi")])
            #expect(model.prompts == [Prompt(prompt: "Hello", promptID: "greeting", status: "available", speakerID: "spk")])
            let request = try #require(await server.requests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/v1/customizations/cid-1")
        }
    }

    @Test func updateAndDeleteModel() async throws {
        try await withStubServer(Self.service) { server in
            try await withClient(server.url) { client in
                try await client.updateModel(id: "cid-1", UpdateModelRequest(
                    name: "New", words: [WordEntry(word: "NCAA", translation: "N C double A")]))
                try await client.updateModel(id: "cid-1", UpdateModelRequest())
                try await client.deleteModel(id: "cid-1")
            }
            let requests = await server.requests
            #expect(requests.map(\.method) == ["POST", "POST", "DELETE"])
            #expect(requests.allSatisfy { $0.path == "/v1/customizations/cid-1" })
            #expect(requests[0].canonicalJSON == #"{"name":"New","words":[{"translation":"N C double A","word":"NCAA"}]}"#)
            #expect(requests[1].bodyText == "{}")
            #expect(requests[2].body.isEmpty)
        }
    }

    @Test func wordEndpoints() async throws {
        try await withStubServer(Self.service) { server in
            let (words, translation) = try await withClient(server.url) { client in
                try await client.addWords(id: "cid-1", [
                    WordEntry(word: "IEEE", translation: "I triple E"),
                    WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi"),
                ])
                try await client.addWord(id: "cid-1", word: "IEEE", Translation(translation: "I triple E"))
                let words = try await client.listWords(id: "cid-1")
                let translation = try await client.getWord(id: "cid-1", word: "IEEE")
                try await client.deleteWord(id: "cid-1", word: "IEEE")
                return (words, translation)
            }
            #expect(words.map(\.word) == ["IEEE", "iPhone"])
            #expect(translation == Translation(translation: "I triple E"))
            let requests = await server.requests
            #expect(requests.map { "\($0.method) \($0.path)" } == [
                "POST /v1/customizations/cid-1/words",
                "PUT /v1/customizations/cid-1/words/IEEE",
                "GET /v1/customizations/cid-1/words",
                "GET /v1/customizations/cid-1/words/IEEE",
                "DELETE /v1/customizations/cid-1/words/IEEE",
            ])
            #expect(requests[0].canonicalJSON == #"{"words":[{"translation":"I triple E","word":"IEEE"},{"part_of_speech":"Mesi","translation":"ニューヨーク","word":"ＮＹ"}]}"#)
            #expect(requests[1].canonicalJSON == #"{"translation":"I triple E"}"#)
            #expect(requests[1].headers["content-type"] == "application/json")
        }
    }

    @Test func listPrompts() async throws {
        try await withStubServer(Self.service) { server in
            let prompts = try await withClient(server.url) { try await $0.listPrompts(id: "cid-1") }
            #expect(prompts == [Prompt(prompt: "Hi", promptID: "p1", status: "processing")])
            #expect(await server.requests.first?.path == "/v1/customizations/cid-1/prompts")
        }
    }

    /// Each awkward word must stay one path segment, encoded as IBM's SDK does (expected values written out).
    @Test(arguments: [
        ("TCP/IP", "TCP%2FIP"), ("a b", "a%20b"), ("50%", "50%25"), ("what?", "what%3F"), ("#tag", "%23tag"),
        ("ＮＹ", "%EF%BC%AE%EF%BC%B9"), ("😀", "%F0%9F%98%80"), ("it's+1", "it%27s%2B1"), ("A-z_0.9~", "A-z_0.9~"),
    ])
    func awkwardWordsAreOnePathSegment(word: String, encoded: String) async throws {
        try await withStubServer(Self.service) { server in
            try await withClient(server.url) { client in
                try await client.addWord(id: "cid-1", word: word, Translation(translation: "x"))
                _ = try await client.getWord(id: "cid-1", word: word)
                try await client.deleteWord(id: "cid-1", word: word)
            }
            let requests = await server.requests
            #expect(requests.map(\.path) == Array(repeating: "/v1/customizations/cid-1/words/\(encoded)", count: 3))
        }
    }

    @Test func customizationIDIsEncodedToo() async throws {
        try await withStubServer { _ in .json(200, #"{"words":[]}"#) } _: { server in
            _ = try await withClient(server.url) { try await $0.listWords(id: "../x y") }
            #expect(await server.requests.first?.path == "/v1/customizations/..%2Fx%20y/words")
        }
    }

    @Test func instancePrefixIsKeptAndTrailingSlashStripped() async throws {
        try await withStubServer { _ in .json(200, #"{"customizations":[]}"#) } _: { server in
            let client = try TextToSpeechClient(credentials: ServiceCredentials(
                serviceURL: server.url + "/instances/abc-123//?secret=q", authentication: .none))
            #expect(client.serviceURL == server.url + "/instances/abc-123")
            _ = try await client.listModels(language: "ja-JP")
            try await client.shutdown()
            let request = try #require(await server.requests.first)
            #expect(request.path == "/instances/abc-123/v1/customizations")
            #expect(request.query == "language=ja-JP")
        }
    }

    @Test func anySuccessStatusIsAccepted() async throws {
        // Older service versions answered create with 200 and the word calls with 201 (release notes 2017).
        try await withStubServer { request in
            switch request.method {
            case "POST" where request.path == "/v1/customizations": .json(200, #"{"customization_id":"x"}"#)
            case "DELETE": StubResponse(status: 200, body: "")
            default: StubResponse(status: 201, headers: ["Content-Type": "text/plain"], body: "created")
            }
        } _: { server in
            try await withClient(server.url) { client in
                #expect(try await client.createModel(CreateModelRequest(name: "n")).customizationID == "x")
                try await client.addWords(id: "c", [])
                try await client.addWord(id: "c", word: "w", Translation(translation: "t"))
                try await client.updateModel(id: "c", UpdateModelRequest(description: "d"))
                try await client.deleteWord(id: "c", word: "w")
                try await client.deleteModel(id: "c")
            }
        }
    }

    @Test func serviceURLDescriptionHasNoUserInfoOrQuery() async throws {
        let client = try TextToSpeechClient(credentials: ServiceCredentials(
            serviceURL: "https://user:pw@api.example.com/instances/i-1/?token=abc", authentication: .none))
        #expect(client.serviceURL == "https://api.example.com/instances/i-1")
        #expect(client.authenticationType == "noAuth")
        try await client.shutdown()
    }
}
