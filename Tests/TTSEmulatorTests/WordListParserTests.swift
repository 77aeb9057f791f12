import Foundation
import NIOCore
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct WordListParserTests {
    func parse(_ text: String) throws -> [WordEntry] { try WordListParser.parse(Array(text.utf8)) }

    @Test func agreesWithJSONDecoderOnAGeneratedLexicon() throws {
        let scratch = ServiceInstance()
        let ids = try scratch.generate(GeneratorSpec(models: 3, words: 2000, seed: 5))
        for id in ids {
            let words = try scratch.words(id: id)
            let body = try JSONEncoder().encode(WordList(words: words))
            #expect(try WordListParser.parse(Array(body)) == words)
        }
    }

    @Test func pythonStyleEscapesSurrogatesAndUnknownKeys() throws {
        let text = #"{"x": [1, -2.5e3, true, null, {"a": "b"}], "words": [{"word": "caf\u00e9", "translation": "a\"b\\c\/d\n", "part_of_speech": null, "extra": {"k": [false]}}, {"word": "\ud83d\ude80", "translation": "rocket", "part_of_speech": "Mesi"}], "y": "z"}"#
        #expect(try parse(text) == [WordEntry(word: "café", translation: "a\"b\\c/d\n"),
                                    WordEntry(word: "🚀", translation: "rocket", partOfSpeech: "Mesi")])
        #expect(try parse(" { \"words\" : [ ] } ") == [])
    }

    @Test func rejectsWhatJSONDecoderRejects() {
        let bad = [
            "", "{", "[]", #"{"words": {}}"#, #"{"words": [{"word": "a"}]}"#, #"{"words": [{"translation": "a"}]}"#,
            #"{"wordz": []}"#, #"{"words": [{"word": 1, "translation": "a"}]}"#, #"{"words": []} x"#,
            #"{"words": [{"word": "\ud83d", "translation": "b"}]}"#,
            "{\"words\": [{\"word\": \"a\u{01}\", \"translation\": \"b\"}]}", #"{"words": [{"word": "\x", "translation": "b"}]}"#,
        ]
        for text in bad {
            #expect(throws: ErrorAnswer.self, "\(text)") { try parse(text) }
            #expect((try? JSONDecoder().decode(WordList.self, from: Data(text.utf8))) == nil, "\(text)")
        }
        #expect(throws: ErrorAnswer.self) { try WordListParser.parse([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")]) }
        // Stricter than Foundation, which tolerates a trailing comma: RFC 8259 JSON only.
        #expect(throws: ErrorAnswer.self) { try parse(#"{"words": [{"word": "a", "translation": "b"},]}"#) }
    }

    @Test func updateBodies() throws {
        let u = try WordListParser.parseUpdate(Array(#"{"name": "n\u00e9", "description": null, "language": "de-DE", "words": [{"word": "a", "translation": "b"}]}"#.utf8))
        #expect(u == UpdateModelRequest(name: "né", description: nil, words: [WordEntry(word: "a", translation: "b")]))
        #expect(try WordListParser.parseUpdate(Array("{}".utf8)) == UpdateModelRequest())
        #expect(throws: ErrorAnswer.self) { try WordListParser.parseUpdate(Array(#"{"name": 3}"#.utf8)) }
        #expect(throws: ErrorAnswer.self) { try WordListParser.parseUpdate(Array(#"{"words": [{"word": "a"}]}"#.utf8)) }
    }
}

extension WordListParser {
    static func parse(_ bytes: [UInt8]) throws(ErrorAnswer) -> [WordEntry] { try parse(ByteBuffer(bytes: bytes)) }
    static func parseUpdate(_ bytes: [UInt8]) throws(ErrorAnswer) -> UpdateModelRequest { try parseUpdate(ByteBuffer(bytes: bytes)) }
}
