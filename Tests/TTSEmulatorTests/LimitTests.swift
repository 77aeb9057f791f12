import Foundation
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct LimitTests {
    static func entries(_ n: Int, prefix: String = "w") -> [WordEntry] {
        (0..<n).map { WordEntry(word: "\(prefix)\($0)", translation: "t\($0)") }
    }

    @Test func twentyThousandEntriesFitTwentyThousandAndOneDoNot() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let full = try await h.send(.POST, "/v1/customizations/\(id)/words", json: Harness.wordsBody(Self.entries(20_000)))
            #expect(full.status == 200)
            // Overwriting existing words does not count against the limit.
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: Harness.wordsBody(Self.entries(3))).status == 200)
            let before = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self)
            let one = try await h.send(.PUT, "/v1/customizations/\(id)/words/extra", json: #"{"translation":"x"}"#)
            #expect(one.status == 400 && one.errorMessage?.contains("20000") == true)
            let after = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self)
            #expect(after == before)

            let other = try await h.createModel()
            let tooMany = try await h.send(.POST, "/v1/customizations/\(other)/words", json: Harness.wordsBody(Self.entries(20_001)))
            #expect(tooMany.status == 400)
            #expect(try h.server.defaultInstance.words(id: other).isEmpty)
        }
    }

    @Test func wordAndTranslationLengthsCountCharacters() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            func put(_ word: String, _ translation: String) async throws -> Int {
                try await h.send(.PUT, "/v1/customizations/\(id)/words/\(PathSegment.encode(word))",
                                 json: "{\"translation\":\(Harness.quote(translation))}").status
            }
            #expect(try await put(String(repeating: "é", count: 49), "x") == 200)
            #expect(try await put(String(repeating: "é", count: 50), "x") == 400)
            #expect(try await put("t499", String(repeating: "ü", count: 499)) == 200)
            #expect(try await put("t500", String(repeating: "ü", count: 500)) == 400)
            #expect(try await put("two words", "x") == 400)
            #expect(try await put("tab\tword", "x") == 400)
            #expect(try await put("empty", "") == 400)
        }
    }

    @Test func oneBadEntryRejectsTheWholeRequestAndDuplicatesLastWins() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let bad = Self.entries(10) + [WordEntry(word: String(repeating: "x", count: 50), translation: "x")]
            let a = try await h.send(.POST, "/v1/customizations/\(id)/words", json: Harness.wordsBody(bad))
            #expect(a.status == 400 && a.errorMessage?.contains("49") == true)
            #expect(try h.server.defaultInstance.words(id: id).isEmpty)

            let dup = [WordEntry(word: "NY", translation: "first"), WordEntry(word: "NY", translation: "last")]
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: Harness.wordsBody(dup)).status == 200)
            #expect(try h.server.defaultInstance.words(id: id) == [WordEntry(word: "NY", translation: "last")])
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: #"{"words":[]}"#).status == 200)
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: #"{"wrds":[]}"#).status == 400)
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: #"{"words":[{"word":"x"}]}"#).status == 400)
        }
    }

    @Test func nameAndDescriptionLengthsAndStrictNames() async throws {
        try await Harness.with { (h) async throws in
            func create(_ name: String, _ description: String = "") async throws -> Int {
                try await h.send(.POST, "/v1/customizations",
                                 json: "{\"name\":\(Harness.quote(name)),\"description\":\(Harness.quote(description))}").status
            }
            #expect(try await create(String(repeating: "n", count: 256)) == 201)
            #expect(try await create(String(repeating: "n", count: 257)) == 400)
            #expect(try await create("n", String(repeating: "d", count: 128)) == 201)
            #expect(try await create("n", String(repeating: "d", count: 129)) == 400)
            #expect(try await create("a/b & c?") == 201)  // accepted unless strict
            // Duplicate names are allowed: the id is the only identity.
            #expect(try await create("same") == 201)
            #expect(try await create("same") == 201)
            let id = try await h.createModel()
            let longDesc = try await h.send(.POST, "/v1/customizations/\(id)", json: "{\"description\":\(Harness.quote(String(repeating: "d", count: 129)))}")
            #expect(longDesc.status == 400)
        }
        try await Harness.with(EmulatorConfiguration(rules: ServiceRules(strictNames: true))) { (h) async throws in
            let a = try await h.send(.POST, "/v1/customizations", json: #"{"name":"a/b"}"#)
            #expect(a.status == 400)
            #expect(try await h.send(.POST, "/v1/customizations", json: #"{"name":"Medical custom model"}"#).status == 201)
        }
    }

    @Test func configurableLanguages() async throws {
        try await Harness.with(EmulatorConfiguration(rules: ServiceRules(languages: ["en-US", "ar-MS"]))) { (h) async throws in
            #expect(try await h.send(.POST, "/v1/customizations", json: #"{"name":"a","language":"ar-MS"}"#).status == 201)
            #expect(try await h.send(.POST, "/v1/customizations", json: #"{"name":"a","language":"de-DE"}"#).status == 400)
        }
    }
}
