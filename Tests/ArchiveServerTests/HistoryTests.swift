import ArchiveCore
import Foundation
import Testing
import TTSAPI
import TTSEmulator
@testable import ArchiveServer

/// `GET /v1/words/history` and `GET /v1/models/{id}/history`: the same documents as `log --json`.
@Suite struct HistoryTests {
    /// Three snapshots of the emulator: a word changed between the first two, removed before the third.
    static func seed(_ h: Harness) async throws -> (model: String, word: String) {
        let ids = try h.source.generate(GeneratorSpec(models: 2, words: 40, seed: 21))
        let model = try #require(ids.sorted().first)
        let instance = h.source.defaultInstance
        let word = try #require(try instance.words(id: model).first?.word)
        func snapshot() async throws {
            let id = try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String)
            #expect(try await h.finished(id).json["status"] as? String == "Succeeded")
        }
        try await snapshot()
        try instance.setWord(id: model, word: word, Translation(translation: "<phoneme alphabet=\"ipa\" ph=\"aɪ\">&</phoneme>"))
        try await snapshot()
        try instance.deleteWord(id: model, word: word)
        try await snapshot()
        return (model, word)
    }

    /// What `log --json` prints for the same question: the core's document, as a JSON value.
    static func cli<T: Encodable>(_ value: T) throws -> Any {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try JSONSerialization.jsonObject(with: encoder.encode(value))
    }

    static func query(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    @Test func wordHistoryIsLogsAnswer() async throws {
        try await Harness.with { h in
            let (model, word) = try await Self.seed(h)
            let answer = try await h.call(.GET, "/v1/words/history?word=\(Self.query(word))")
            #expect(answer.status == 200)
            let value = try #require(answer.json["value"] as? [[String: Any]])
            #expect(value.count == 2)
            #expect(value.map { $0["end"] as? String } == ["changed", "removed"])
            #expect(value.last?["translation"] as? String == "<phoneme alphabet=\"ipa\" ph=\"aɪ\">&</phoneme>")
            let store = try ArchiveStore(path: h.archive, access: .read)
            let cli = try Self.cli(WordHistory(store).versions(of: .exact(word)))
            #expect(NSArray(array: value) == (cli as? NSArray))

            // Filters as the CLI's: a model by id, the source by its configured name or its URL, times.
            #expect((try await h.call(.GET, "/v1/words/history?word=\(Self.query(word))&model=\(model)").json["value"] as? [Any])?.count == 2)
            #expect((try await h.call(.GET, "/v1/words/history?word=\(Self.query(word))&source=default").json["value"] as? [Any])?.count == 2)
            let url = try #require(value.first?["source"] as? String)
            #expect((try await h.call(.GET, "/v1/words/history?word=\(Self.query(word))&source=\(Self.query(url))").json["value"] as? [Any])?.count == 2)
            #expect((try await h.call(.GET, "/v1/words/history?word=\(Self.query(word))&until=2000-01-01").json["value"] as? [Any])?.count == 0)
            let upper = try await h.call(.GET, "/v1/words/history?word=\(Self.query(word.uppercased()))&ignore_case=true")
            #expect((upper.json["value"] as? [Any])?.count == 2)
            let like = try await h.call(.GET, "/v1/words/history?like=\(Self.query(String(word.prefix(2))))%25&top=1")
            #expect((like.json["value"] as? [Any])?.count == 1)
            let next = try #require(like.json["nextLink"] as? String)
            #expect(next.contains("like=") && next.contains("skip=1"))
            #expect(try await h.call(.GET, next).status == 200)

            // No version: an empty collection, not 404.
            let none = try await h.call(.GET, "/v1/words/history?word=no-such-word")
            #expect(none.status == 200)
            #expect((none.json["value"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func historyBadInputIs400ListingWhatExists() async throws {
        try await Harness.with { h in
            let (model, word) = try await Self.seed(h)
            let name = try #require(try h.source.defaultInstance.model(id: model).name)
            let unknownModel = try await h.call(.GET, "/v1/words/history?word=\(Self.query(word))&model=nope")
            #expect(unknownModel.status == 400)
            #expect(unknownModel.error["target"] as? String == "model")
            #expect((unknownModel.error["message"] as? String)?.contains(name) == true)
            let unknownSource = try await h.call(.GET, "/v1/words/history?word=x&source=http%3A%2F%2Fnowhere")
            #expect(unknownSource.status == 400)
            #expect(unknownSource.error["target"] as? String == "source")
            #expect((unknownSource.error["message"] as? String)?.contains("http://127.0.0.1") == true)
            #expect(try await h.call(.GET, "/v1/words/history").error["target"] as? String == "word")
            #expect(try await h.call(.GET, "/v1/words/history?word=a&like=b").status == 400)
            #expect(try await h.call(.GET, "/v1/words/history?like=a&ignore_case=true").error["target"] as? String == "ignore_case")
            let badTime = try await h.call(.GET, "/v1/words/history?word=a&since=yesterday")
            #expect(badTime.status == 400)
            #expect(badTime.error["target"] as? String == "since")
            let history = try await h.call(.GET, "/v1/models/nope/history")
            #expect(history.status == 400)
            #expect((history.error["message"] as? String)?.contains(name) == true)
        }
    }

    @Test func modelHistoryIsLogsAnswer() async throws {
        try await Harness.with { h in
            let (model, word) = try await Self.seed(h)
            let answer = try await h.call(.GET, "/v1/models/\(model)/history?words=true")
            #expect(answer.status == 200)
            let value = try #require(answer.json["value"] as? [[String: Any]])
            let steps = try #require(value.first?["steps"] as? [[String: Any]])
            #expect(steps.map { $0["kind"] as? String } == ["added", "changed", "changed"])
            #expect(steps.map { $0["words_changed"] as? Int } == [0, 1, 0])
            #expect(steps.map { $0["words_removed"] as? Int } == [0, 0, 1])
            #expect(((steps[1]["changes"] as? [[String: Any]])?.first)?["word"] as? String == word)
            let store = try ArchiveStore(path: h.archive, access: .read)
            let cli = try Self.cli(WordHistory(store).modelHistories(scope: .init(models: [model]), words: true))
            #expect(NSArray(array: value) == (cli as? NSArray))
            let plain = try await h.call(.GET, "/v1/models/\(model)/history")
            #expect(((plain.json["value"] as? [[String: Any]])?.first?["steps"] as? [[String: Any]])?.first?["changes"] == nil)
        }
    }
}
