import Foundation
import NIOHTTP1
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct ModelEndpointTests {
    @Test func createReturns201WithOnlyTheID() async throws {
        try await Harness.with { (h) async throws in
            let a = try await h.send(.POST, "/v1/customizations", json: #"{"name":"Test","language":"en-US","description":"d"}"#)
            #expect(a.status == 201)
            #expect(Array(a.json.keys) == ["customization_id"])
            let id = try #require(a.json["customization_id"] as? String)
            #expect(id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression) != nil)
            #expect(a.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
            #expect(a.headers.first(name: "X-Global-Transaction-Id")?.isEmpty == false)
        }
    }

    @Test func getModelHasAllFieldsAndArraysListHasNeither() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel(name: "Medical", language: "de-DE")
            let get = try await h.send(.GET, "/v1/customizations/\(id)")
            #expect(get.status == 200)
            let m = try get.decode(CustomModel.self)
            #expect(m.customizationID == id && m.name == "Medical" && m.language == "de-DE")
            #expect(m.owner == h.server.defaultInstance.owner)
            #expect(m.words == [] && m.prompts == [])
            #expect(m.created == m.lastModified)
            let stamp = try #require(m.created)
            #expect(stamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
            #expect(m.description == "")

            let list = try await h.send(.GET, "/v1/customizations")
            #expect(list.status == 200)
            let entries = try #require(list.json["customizations"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries[0]["words"] == nil && entries[0]["prompts"] == nil)
            #expect(entries[0]["customization_id"] as? String == id)
        }
    }

    @Test func createDefaultsToEnUSAndRejectsUnknownLanguageAndMissingName() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            #expect(try await h.send(.GET, "/v1/customizations/\(id)").json["language"] as? String == "en-US")
            let bad = try await h.send(.POST, "/v1/customizations", json: #"{"name":"x","language":"xx-XX"}"#)
            #expect(bad.status == 400 && bad.json["code"] as? Int == 400 && bad.json["code_description"] as? String == "Bad Request")
            let korean = try await h.send(.POST, "/v1/customizations", json: #"{"name":"x","language":"ko-KR"}"#)
            #expect(korean.status == 201)
            let noName = try await h.send(.POST, "/v1/customizations", json: #"{"language":"en-US"}"#)
            #expect(noName.status == 400)
            #expect(noName.errorMessage?.contains("name") == true)
            let notJSON = try await h.send(.POST, "/v1/customizations", json: "{name")
            #expect(notJSON.status == 400)
        }
    }

    @Test func listKeepsCreationOrderAndFiltersByLanguage() async throws {
        try await Harness.with { (h) async throws in
            let a = try await h.createModel(name: "a", language: "fr-FR")
            let b = try await h.createModel(name: "b", language: "en-US")
            let c = try await h.createModel(name: "c", language: "fr-FR")
            let all = try await h.send(.GET, "/v1/customizations").decode(CustomModelList.self)
            #expect(all.customizations.map(\.customizationID) == [a, b, c])
            let fr = try await h.send(.GET, "/v1/customizations?language=fr-FR").decode(CustomModelList.self)
            #expect(fr.customizations.map(\.customizationID) == [a, c])
        }
    }

    @Test func updateAnswers200EmptyObjectAndBumpsLastModified() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel(name: "old")
            let before = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self)
            let empty = try await h.send(.POST, "/v1/customizations/\(id)", json: "{}")
            #expect(empty.status == 200 && empty.text == "{}")
            let unchanged = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self)
            #expect(unchanged.lastModified == before.lastModified)

            let up = try await h.send(.POST, "/v1/customizations/\(id)",
                                      json: #"{"name":"new","description":"desc","language":"de-DE","words":[{"word":"IEEE","translation":"I triple E"}]}"#)
            #expect(up.status == 200 && up.text == "{}")
            let after = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self)
            #expect(after.name == "new" && after.description == "desc" && after.language == "en-US")
            #expect(after.words == [WordEntry(word: "IEEE", translation: "I triple E")])
            #expect(after.created == before.created)
            #expect(try #require(after.lastModified) > before.lastModified!)
        }
    }

    @Test func deleteAnswers204ThenTheIDIs401() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let del = try await h.send(.DELETE, "/v1/customizations/\(id)")
            #expect(del.status == 204 && del.body.isEmpty)
            #expect(del.headers.first(name: "X-Global-Transaction-Id") != nil)
            for (method, path) in [(HTTPMethod.GET, ""), (.DELETE, ""), (.GET, "/words"), (.GET, "/words/x")] {
                let a = try await h.send(method, "/v1/customizations/\(id)\(path)")
                #expect(a.status == 401, "\(method) \(path)")
                #expect(a.json["code"] as? Int == 401 && a.json["code_description"] as? String == "Unauthorized")
            }
        }
    }

    @Test func unknownIDIs401AndMalformedIDIs400() async throws {
        try await Harness.with { (h) async throws in
            let unknown = try await h.send(.GET, "/v1/customizations/64f4807f-a5f1-5867-924f-7bba1a84fe97")
            #expect(unknown.status == 401)
            #expect(unknown.errorMessage?.contains("customization") == true)
            let malformed = try await h.send(.GET, "/v1/customizations/not-a-guid")
            #expect(malformed.status == 400)
            #expect(malformed.errorMessage == "Malformed GUID: 'not-a-guid'")
        }
    }

    @Test func unknownRouteIs404WrongMethodIs405() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let nf = try await h.send(.GET, "/v1/voices-of-nowhere")
            #expect(nf.status == 404 && nf.json["code"] as? Int == 404)
            #expect(nf.headers.first(name: "X-Global-Transaction-Id") != nil)
            #expect(try await h.send(.GET, "/nothing").status == 404)
            let post = try await h.send(.POST, "/v1/customizations/\(id)/words/IEEE", json: #"{"translation":"x"}"#)
            #expect(post.status == 405)
            #expect(post.headers.first(name: "Allow") == "GET, PUT, DELETE")
            #expect(try await h.send(.PUT, "/v1/customizations").status == 405)
        }
    }

    @Test func instancePrefixBeforeV1IsIgnoredAndTransactionIDIsEchoed() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let a = try await h.send(.GET, "/instances/abc-123/v1/customizations/\(id)",
                                     headers: [("X-Global-Transaction-Id", "my-tx-1")])
            #expect(a.status == 200)
            #expect(a.headers.first(name: "X-Global-Transaction-Id") == "my-tx-1")
            let put = try await h.send(.PUT, "/instances/x/v1/customizations/\(id)/words/NCAA", json: #"{"translation":"N C double A"}"#,
                                       headers: [("Accept", "*/*")])
            #expect(put.status == 200)
        }
    }

    @Test func gzipBodiesAreRejectedClearlyAndOtherMediaTypesToo() async throws {
        try await Harness.with { (h) async throws in
            let gz = try await h.send(.POST, "/v1/customizations", bytes: [0x1f, 0x8b, 0, 0],
                                      headers: [("Content-Encoding", "gzip"), ("Content-Type", "application/json")])
            #expect(gz.status == 415)
            #expect(gz.errorMessage?.contains("gzip") == true)
            let xml = try await h.send(.POST, "/v1/customizations", bytes: Array("<x/>".utf8), headers: [("Content-Type", "text/xml")])
            #expect(xml.status == 415)
        }
    }

    @Test func promptsAreReadableAndCreationIsRefused() async throws {
        try await Harness.with { (h) async throws in
            let seeded = CustomModel(customizationID: "11111111-2222-3333-4444-555555555555", name: "Greeting", language: "en-US",
                                     prompts: [Prompt(prompt: "Hello", promptID: "hello", status: "available")])
            try h.server.defaultInstance.importModel(seeded)
            let list = try await h.send(.GET, "/v1/customizations/\(seeded.customizationID)/prompts")
            #expect(try list.decode(PromptList.self).prompts == seeded.prompts)
            let one = try await h.send(.GET, "/v1/customizations/\(seeded.customizationID)/prompts/hello")
            #expect(try one.decode(Prompt.self) == seeded.prompts![0])
            #expect(try await h.send(.GET, "/v1/customizations/\(seeded.customizationID)/prompts/nope").status == 400)
            let add = try await h.send(.POST, "/v1/customizations/\(seeded.customizationID)/prompts/new", json: "{}")
            #expect(add.status == 400 && add.errorMessage?.contains("deprecated") == true)
        }
    }
}

