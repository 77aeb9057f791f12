import Foundation
import NIOHTTP1
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct WordEndpointTests {
    @Test func addWordsAnswersEmptyObjectAndListsUppercaseFirst() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let body = #"{"words":[{"word":"iPhone","translation":"I phone"},{"word":"NCAA","translation":"N C double A"},{"word":"IEEE","translation":"I triple E"},{"word":"ACLs","translation":"ackles"},{"word":"EEE","translation":"triple E"},{"word":"éclair","translation":"eclair"},{"word":"zebra","translation":"zebra"}]}"#
            let add = try await h.send(.POST, "/v1/customizations/\(id)/words", json: body)
            #expect(add.status == 200 && add.text == "{}")
            let list = try await h.send(.GET, "/v1/customizations/\(id)/words").decode(WordList.self)
            #expect(list.words.map(\.word) == ["ACLs", "EEE", "IEEE", "NCAA", "iPhone", "zebra", "éclair"])
            let model = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self)
            #expect(model.words == list.words)
        }
    }

    /// get-model and list-words are sent in pieces (the cached word list is not copied); the answer must still
    /// be one JSON document with its Content-Length, as when it was one buffer.
    @Test func getModelAndListWordsCarryContentLength() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            for path in ["", "/words"] {
                let empty = try await h.send(.GET, "/v1/customizations/\(id)\(path)")
                #expect(empty.headers["Content-Length"] == [String(empty.body.count)])
            }
            let entries = (0..<3000).map { WordEntry(word: "w\($0)", translation: "t\($0)") }
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: Harness.wordsBody(entries)).status == 200)
            for _ in 0..<2 {  // the second time from the cache
                let model = try await h.send(.GET, "/v1/customizations/\(id)")
                #expect(model.status == 200)
                #expect(model.headers["Content-Length"] == [String(model.body.count)])
                #expect(model.headers["Transfer-Encoding"].isEmpty)
                #expect(model.headers["Content-Type"] == ["application/json; charset=utf-8"])
                #expect(model.body == (try h.server.defaultInstance.encodedModelBytes(id: id)))
                let list = try await h.send(.GET, "/v1/customizations/\(id)/words")
                #expect(list.headers["Content-Length"] == [String(list.body.count)])
                #expect(list.headers["Transfer-Encoding"].isEmpty)
                let sorted = entries.sorted { WordEntry.serviceOrder($0.word, $1.word) }
                #expect(list.body == JSONWriter.wordList(sorted))
            }
        }
    }

    @Test func singleWordPutGetDeleteAndStatuses() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let put = try await h.send(.PUT, "/v1/customizations/\(id)/words/IEEE", json: #"{"translation":"I triple E"}"#)
            #expect(put.status == 200)
            let get = try await h.send(.GET, "/v1/customizations/\(id)/words/IEEE")
            #expect(get.status == 200)
            #expect(get.json.keys.sorted() == ["translation"])
            #expect(get.json["translation"] as? String == "I triple E")
            // Case-sensitive keys, overwrite on re-add.
            _ = try await h.send(.PUT, "/v1/customizations/\(id)/words/ieee", json: #"{"translation":"eye"}"#)
            _ = try await h.send(.PUT, "/v1/customizations/\(id)/words/IEEE", json: #"{"translation":"<phoneme alphabet=\"ipa\" ph=\"aɪ.tɹˈɨpəl.ˈi\"></phoneme>"}"#)
            let words = try await h.send(.GET, "/v1/customizations/\(id)/words").decode(WordList.self).words
            #expect(words == [WordEntry(word: "IEEE", translation: #"<phoneme alphabet="ipa" ph="aɪ.tɹˈɨpəl.ˈi"></phoneme>"#),
                              WordEntry(word: "ieee", translation: "eye")])
            let del = try await h.send(.DELETE, "/v1/customizations/\(id)/words/IEEE")
            #expect(del.status == 204 && del.body.isEmpty)
            let missing = try await h.send(.GET, "/v1/customizations/\(id)/words/IEEE")
            #expect(missing.status == 400 && missing.errorMessage?.contains("not found") == true)
            #expect(try await h.send(.DELETE, "/v1/customizations/\(id)/words/IEEE").status == 400)
        }
    }

    @Test func wordChangesBumpLastModified() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            var last = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self).lastModified!
            let steps: [(HTTPMethod, String, String?)] = [
                (.POST, "/words", #"{"words":[{"word":"a","translation":"b"}]}"#),
                (.PUT, "/words/c", #"{"translation":"d"}"#), (.DELETE, "/words/a", nil),
            ]
            for (method, path, body) in steps {
                #expect(try await h.send(method, "/v1/customizations/\(id)\(path)", json: body).status < 300)
                let now = try await h.send(.GET, "/v1/customizations/\(id)").decode(CustomModel.self).lastModified!
                #expect(now > last, "\(method) \(path)")
                last = now
            }
        }
    }

    @Test func partOfSpeechOnlyForJapaneseAndOnlyTheSeventeenValues() async throws {
        try await Harness.with { (h) async throws in
            let en = try await h.createModel(language: "en-US")
            let pos = try await h.send(.PUT, "/v1/customizations/\(en)/words/NY", json: #"{"translation":"new york","part_of_speech":"Mesi"}"#)
            #expect(pos.status == 400)
            #expect(pos.errorMessage == "Part of speech is supported for ja-JP language only")
            let ja = try await h.createModel(language: "ja-JP")
            let body = Harness.wordsBody(PartOfSpeech.allValues.enumerated().map {
                WordEntry(word: "語\($0.offset)", translation: "ゴ", partOfSpeech: $0.element)
            })
            #expect(try await h.send(.POST, "/v1/customizations/\(ja)/words", json: body).status == 200)
            let bad = try await h.send(.PUT, "/v1/customizations/\(ja)/words/x", json: #"{"translation":"エックス","part_of_speech":"mesi"}"#)
            #expect(bad.status == 400)
            let get = try await h.send(.GET, "/v1/customizations/\(ja)/words/%E8%AA%9E0")
            #expect(get.json["part_of_speech"] as? String == "Dosi")
            #expect(try await h.send(.GET, "/v1/customizations/\(ja)/words").decode(WordList.self).words.count == 17)
        }
    }

    @Test func unicodeEscapesAndSurrogatePairsAreDecoded() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            // What Python's json.dumps sends: non-ASCII as \u escapes, astral characters as surrogate pairs.
            let body = #"{"words": [{"word": "caf\u00e9", "translation": "ka fay"}, {"word": "rocket\ud83d\ude80", "translation": "rocket"}]}"#
            #expect(try await h.send(.POST, "/v1/customizations/\(id)/words", json: body).status == 200)
            let words = try await h.send(.GET, "/v1/customizations/\(id)/words").decode(WordList.self).words.map(\.word)
            #expect(words == ["café", "rocket🚀"])
        }
    }

    @Test func awkwardWordsRoundTripThroughThePerWordMethods() async throws {
        try await Harness.with { (h) async throws in
            let id = try await h.createModel()
            let awkward = ["TCP/IP", "a&b", "50%", "what?", "#tag", "ＮＹ", "🚀x", "a+b", "x=y", "it's", "back\\slash",
                           #"say"hi""#, "%2F", "..", ".", "c:d", "a;b"]
            for w in awkward {
                let put = try await h.send(.PUT, "/v1/customizations/\(id)/words/\(PathSegment.encode(w))",
                                           json: "{\"translation\":\(Harness.quote("t " + w))}")
                #expect(put.status == 200, "\(w): \(put.text)")
                let get = try await h.send(.GET, "/v1/customizations/\(id)/words/\(PathSegment.encode(w))")
                #expect(get.json["translation"] as? String == "t " + w)
            }
            let listed = try await h.send(.GET, "/v1/customizations/\(id)/words").decode(WordList.self).words.map(\.word)
            #expect(listed == awkward.sorted(by: WordEntry.serviceOrder))
            for w in awkward {
                #expect(try await h.send(.DELETE, "/v1/customizations/\(id)/words/\(PathSegment.encode(w))").status == 204, "\(w)")
            }
            #expect(try await h.send(.GET, "/v1/customizations/\(id)/words").decode(WordList.self).words.isEmpty)
            // The docs' own example encoding of ＮＹ, and a malformed escape.
            #expect(try await h.send(.PUT, "/v1/customizations/\(id)/words/%EF%BC%AE%EF%BC%B9", json: #"{"translation":"ニューヨーク"}"#).status == 200)
            #expect(h.server.defaultInstance.modelIDs.count == 1)
            #expect(try h.server.defaultInstance.word(id: id, word: "ＮＹ").translation == "ニューヨーク")
            #expect(try await h.send(.GET, "/v1/customizations/\(id)/words/%zz").status == 400)
        }
    }
}
