import Foundation
import TTSAPI
import TTSClient
import Testing

/// The hand-written get-model decoder must agree with JSONDecoder on every answer it accepts, and refuse
/// what JSONDecoder refuses.
@Suite struct FastDecodingTests {
    static func viaFoundation(_ json: String) throws -> CustomModel { try JSONDecoder().decode(CustomModel.self, from: Data(json.utf8)) }
    /// `decodeFast`, checked against `decodeFastPackingWords` (a restore's verification), which must agree on every
    /// input: the same model and words, or the same error.
    static func viaScanner(_ json: String) throws -> CustomModel {
        let bytes = Array(json.utf8)
        let whole = Result { () throws(JSONScanError) in try CustomModel.decodeFast(bytes) }
        let packed = bytes.withUnsafeBytes { raw in Result { () throws(JSONScanError) in try CustomModel.decodeFastPackingWords(raw) } }
        switch (whole, packed) {
        case let (.success(model), .success((bare, words))):
            var expected = model
            expected.words = nil
            #expect(bare == expected, "\(json)")
            // nil exactly when `words` is missing or null: an answer without words is not an empty model.
            #expect(words == model.words.map { PackedWords($0) }, "\(json)")
            #expect(words?.entries == model.words, "\(json)")
        case let (.failure(a), .failure(b)):
            #expect(a == b, "\(json)")
        default:
            Issue.record("the packing decoder disagrees on \(json)")
        }
        return try whole.get()
    }

    /// Words that are awkward for a JSON reader: quotes, backslashes, slashes, controls, markup, CJK,
    /// astral characters, combining marks, empty and long strings.
    static let awkward: [WordEntry] = [
        WordEntry(word: "", translation: ""),
        WordEntry(word: "AT&T", translation: "A T and T"),
        WordEntry(word: #"say "hi""#, translation: #"back\slash and \\ double"#),
        WordEntry(word: "TCP/IP", translation: "</phoneme> / //"),
        WordEntry(word: "tab\there", translation: "line\nbreak\r\u{08}\u{0C}\u{00}\u{1F}\u{7F}"),
        WordEntry(word: "cheese", translation: #"<phoneme alphabet="ipa" ph="ˈtʃiːz"></phoneme>"#),
        WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi"),
        WordEntry(word: "🚀👩‍👩‍👧", translation: "rocket family 𝄞"),
        WordEntry(word: "e\u{301}le\u{300}ve", translation: "élève"),
        WordEntry(word: String(repeating: "x", count: 49), translation: String(repeating: "déjà vu ", count: 60)),
    ]

    static let model = CustomModel(
        customizationID: "64f4807f-a5f1-5867-924f-7bba1a84fe97", name: "Nämé \"quoted\"", language: "ja-JP",
        owner: "297cfd08-330a-22ba-93ce-1a73f454dd98", created: "2016-07-15T18:12:31.743Z",
        lastModified: "2016-07-15T18:12:31.743Z", description: "line1\nline2 🚀", words: awkward,
        prompts: [Prompt(prompt: "Hello", promptID: "greeting", status: "available", speakerID: "spk-1"),
                  Prompt(prompt: "Oops", promptID: "p2", status: "failed", error: "bad audio")])

    /// Python's `json.dumps` style, which the reference says IBM's tools send: `\uXXXX` for every non-ASCII
    /// character (surrogate pairs for astral ones), `", "` and `": "` separators.
    static func pythonStyle(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }

    static func pythonStyle(_ m: CustomModel) -> String {
        let words = m.words!.map { w in
            #"{"word": \#(pythonStyle(w.word)), "translation": \#(pythonStyle(w.translation))"#
                + (w.partOfSpeech.map { #", "part_of_speech": \#(pythonStyle($0))"# } ?? "") + "}"
        }
        return #"{"customization_id": \#(pythonStyle(m.customizationID)), "name": \#(pythonStyle(m.name!)), "#
            + #""language": "ja-JP", "owner": "o", "created": "c", "last_modified": "l", "#
            + #""description": \#(pythonStyle(m.description!)), "words": [\#(words.joined(separator: ", "))], "prompts": []}"#
    }

    @Test func rawUTF8AndEscapedAnswersDecodeAsWithJSONDecoder() throws {
        let raw = String(decoding: try JSONEncoder().encode(Self.model), as: UTF8.self)
        #expect(try Self.viaScanner(raw) == Self.model)
        #expect(try Self.viaScanner(raw) == Self.viaFoundation(raw))

        let escaped = Self.pythonStyle(Self.model)
        #expect(escaped.allSatisfy(\.isASCII) && escaped.contains(#"\ud83d\ude80"#))
        let decoded = try Self.viaScanner(escaped)
        #expect(try decoded == Self.viaFoundation(escaped))
        #expect(decoded.words == Self.awkward)

        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        let spaced = String(decoding: try pretty.encode(Self.model), as: UTF8.self)
        #expect(try Self.viaScanner(" \r\n\t" + spaced + "\n ") == Self.model)
    }

    @Test func aLargeLexiconDecodesAsWithJSONDecoder() throws {
        var m = Self.model
        m.words = (0..<3000).map { WordEntry(word: "w\($0)-\(Self.awkward[$0 % 10].word)", translation: Self.awkward[$0 % 10].translation) }
        let body = try JSONEncoder().encode(m)
        #expect(try body.withUnsafeBytes { try CustomModel.decodeFast($0) } == JSONDecoder().decode(CustomModel.self, from: body))
    }

    @Test func unknownFieldsOfEveryTypeAreSkippedAtEveryLevel() throws {
        let extras = #""n1": 0, "n2": -0.5e-3, "n3": 12E+2, "n4": 1e9, "t": true, "f": false, "z": null, "#
            + #""s": "\u00e9\"}]", "o": {}, "a": [], "deep": {"x": [1, {"y": [true, null, "z", [[]]]}], "w": {"words": 1}}"#
        let json = #"{\#(extras), "customization_id": "cid", "words": [{"word": "a", \#(extras), "translation": "b"}], "#
            + #""prompts": [{"prompt": "p", \#(extras), "prompt_id": "i", "status": "available"}], "future": [0, -1.5E-3, true, false, null, "s", {}, [], {"a": [1, {"b": null}]}]}"#
        let decoded = try Self.viaScanner(json)
        #expect(decoded == CustomModel(customizationID: "cid", words: [WordEntry(word: "a", translation: "b")],
                                       prompts: [Prompt(prompt: "p", promptID: "i", status: "available")]))
        #expect(decoded == (try Self.viaFoundation(json)))
    }

    @Test func nullsEmptyArraysMissingFieldsAndEscapedKeys() throws {
        let answers = [
            #"{"customization_id": "c"}"#,
            #"{"customization_id": "c", "name": null, "language": null, "owner": null, "created": null, "last_modified": null, "description": null, "words": null, "prompts": null}"#,
            #"{"customization_id": "c", "description": "", "words": [], "prompts": []}"#,
            #"{"customization_id":"c","words":[{"word":"a","translation":"b","part_of_speech":null}],"prompts":[{"prompt":"p","prompt_id":"i","status":"s","error":null,"speaker_id":null}]}"#,
            #"{"customization\u005fid": "c", "last_modified": "2016-07-15T18:12:31.743Z"}"#,
            // Duplicate keys: Foundation keeps the first and does not even type-check later ones.
            #"{"customization_id": "a", "name": "first", "customization_id": "b", "name": null, "name": 5}"#,
            #"{"customization_id": "a", "words": [{"word": "w", "translation": "t", "word": "x"}], "words": 7}"#,
            // The compact spelling has a fast path; near misses of it must read as everywhere else.
            #"{"customization_id":"a","words":[{"word":"w","translation":"t","word":"x"},{"word":"v","translation":"u","part_of_speech":null}]}"#,
            #"{"customization_id":"a","words":[{"word":"w","translation":"t","part_of_speech":"Mesi","x":[1]},{"translation":"t","word":"w"}]}"#,
            #"{"customization_id":"a","words":[{"word":"w\u00e9\/","translation":"t\"","part_of_speech":""},{"word":"","translation":""}]}"#,
        ]
        for json in answers {
            #expect(try Self.viaScanner(json) == Self.viaFoundation(json), "\(json)")
        }
        #expect(try Self.viaScanner(answers[1]) == CustomModel(customizationID: "c"))
        #expect(try Self.viaScanner(answers[2]).words == [])
        #expect(try Self.viaScanner(answers[4]).customizationID == "c")
        #expect(try Self.viaScanner(answers[5]) == CustomModel(customizationID: "a", name: "first"))
        #expect(try Self.viaScanner(answers[6]).words == [WordEntry(word: "w", translation: "t")])
    }

    @Test func rejectsWhatJSONDecoderRejects() throws {
        let valid = #"{"customization_id": "c", "words": [{"word": "a", "translation": "b"}], "x": [1, true]}"#
        var bad = (0..<valid.utf8.count).map { String(decoding: valid.utf8.prefix($0), as: UTF8.self) }  // every truncation
        bad += [valid + " x", valid + "{}", valid + ",", "[]", "null", #""c""#, "{}", #"{"name": "x"}"#]
        let bodies = [
            // wrong types
            #""customization_id": 5"#, #""customization_id": null"#, #""customization_id": "c", "name": 5"#,
            #""customization_id": "c", "description": true"#, #""customization_id": "c", "words": {}"#,
            #""customization_id": "c", "words": "a""#, #""customization_id": "c", "words": [1]"#,
            #""customization_id": "c", "words": [null]"#, #""customization_id": "c", "words": [{"word": 1, "translation": "b"}]"#,
            #""customization_id": "c", "words": [{"word": "a", "translation": "b", "part_of_speech": 3}]"#,
            #""customization_id": "c", "prompts": [{"prompt": "p", "prompt_id": "i", "status": null}]"#,
            // missing required fields
            #""customization_id": "c", "words": [{"word": "a"}]"#, #""customization_id": "c", "words": [{"translation": "b"}]"#,
            #""customization_id": "c", "prompts": [{"prompt": "p", "status": "s"}]"#,
            // numbers, literals, escapes and control characters in unknown fields
            #""customization_id": "c", "x": .5"#, #""customization_id": "c", "x": +1"#,
            #""customization_id": "c", "x": 0x1"#, #""customization_id": "c", "x": tru"#,
            #""customization_id": "c", "x": True"#, #""customization_id": "c", "x": nul"#, #""customization_id": "c", "x": [1 2]"#,
            #""customization_id": "c", "x": {"a" 1}"#, #""customization_id": "c", "x": {1: 2}"#,
            #""customization_id": "c\x""#, #""customization_id": "c\u12""#, #""customization_id": "\ud83d""#,
            #""customization_id": "\udc00x""#, #""customization_id": "\ud83d\u0041""#, "\"customization_id\": \"a\u{01}b\"",
            "\"customization_id\": \"a\\n\u{01}b\"", #""customization_id": "a\"b"#,
        ]
        bad += bodies.map { "{" + $0 + "}" }
        for json in bad {
            #expect(throws: JSONScanError.self, "\(json)") { try Self.viaScanner(json) }
            #expect((try? Self.viaFoundation(json)) == nil, "\(json)")
        }
        #expect(throws: JSONScanError.missing("customization_id")) { try Self.viaScanner(#"{"name": "x"}"#) }
        #expect(throws: JSONScanError.wrongType("words")) { try Self.viaScanner(#"{"customization_id": "c", "words": [1]}"#) }
    }

    @Test func rejectsInvalidUTF8AndRunawayNesting() throws {
        let head = Array(#"{"customization_id": ""#.utf8), tail = Array(#""}"#.utf8)
        for bytes: [UInt8] in [[0xFF], [0xC0, 0x80], [0xE3, 0x81], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            #expect(throws: JSONScanError.syntax, "\(bytes)") { try CustomModel.decodeFast(head + bytes + tail) }
            #expect((try? JSONDecoder().decode(CustomModel.self, from: Data(head + bytes + tail))) == nil, "\(bytes)")
            // Inside a long run, where the scanner reads eight bytes at a time.
            let pad = Array("abcdefghijklmnop".utf8)
            #expect(throws: JSONScanError.syntax, "\(bytes)") { try CustomModel.decodeFast(head + pad + bytes + pad + tail) }
            // Inside a word or translation, raw or after an escape, the packing decoder refuses it too.
            for (before, after) in [(#"c", "words": [{"word": ""#, #"", "translation": "t"}]}"#),
                                    (#"c", "words": [{"word": "0123456789"#, #"abcdefghij", "translation": "t"}]}"#),
                                    (#"c", "words": [{"word": "w", "translation": "\n"#, #""}]}"#)] {
                let body = head + Array(before.utf8) + bytes + Array(after.utf8)
                #expect(throws: JSONScanError.syntax, "\(bytes)") { try body.withUnsafeBytes { try CustomModel.decodeFastPackingWords($0) } }
                #expect(throws: JSONScanError.syntax, "\(bytes)") { try CustomModel.decodeFast(body) }
            }
        }
        let deep = #"{"customization_id": "c", "x": "# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(throws: JSONScanError.syntax) { try Self.viaScanner(deep) }
        let fine = #"{"customization_id": "c", "x": "# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(try Self.viaScanner(fine) == Self.viaFoundation(fine))
    }

    /// Not JSON, yet Foundation lets it pass: trailing commas, and anything inside a value it skips.
    @Test func stricterThanFoundationOnNonJSON() throws {
        let head = #"{"customization_id": "c", "x": "#
        var lax = [#"{"customization_id": "c", "words": [],}"#, #"{"customization_id": "c", "words": [{"word": "a", "translation": "b"},]}"#]
        lax += ["01", "1.", "-", "1e", "1-2", "-01", #""\ud800""#, "\"\u{01}\""].map { head + $0 + "}" }
        for json in lax {
            #expect(throws: JSONScanError.syntax, "\(json)") { try Self.viaScanner(json) }
        }
        #expect(throws: JSONScanError.syntax) { try CustomModel.decodeFast(Array(head.utf8) + [0x22, 0xFF, 0x22, 0x7D]) }
    }

    @Test func clientTurnsARefusalIntoMalformedResponse() async throws {
        let missing = try await ErrorTests.failing(.json(200, #"{"name": "x", "words": []}"#)) { _ = try await $0.getModel(id: "c") }
        #expect(missing?.kind == .malformedResponse)
        #expect(missing?.message == "malformed answer: missing field customization_id")
        let wrong = try await ErrorTests.failing(.json(200, #"{"customization_id": "c", "words": [{"word": 1, "translation": "b"}]}"#)) {
            _ = try await $0.getModel(id: "c")
        }
        #expect(wrong?.message == "malformed answer: unexpected value at word")
        // Well-formed JSON that is no answer for the model asked for: another id, or no words (issue 15, items 1-2).
        let other = #"{"customization_id": "d", "name": "x", "words": []}"#
        let reads: [@Sendable (TextToSpeechClient) async throws -> Void] = [
            { _ = try await $0.getModel(id: "c") }, { _ = try await $0.getModelPackingWords(id: "c") },
        ]
        for read in reads {
            let wrongID = try await ErrorTests.failing(.json(200, other)) { try await read($0) }
            #expect(wrongID?.kind == .malformedResponse)
            #expect(wrongID?.description == #"GET /v1/customizations/c: 200 OK: malformed answer: it is for customization_id "d", not the model asked for"#)
            for body in [#"{"customization_id": "c", "name": "x"}"#, #"{"customization_id": "c", "words": null}"#] {
                let noWords = try await ErrorTests.failing(.json(200, body)) { try await read($0) }
                #expect(noWords?.kind == .malformedResponse, "\(body)")
                #expect(noWords?.message == #"malformed answer: no words array (an empty model has "words": [])"#, "\(body)")
            }
            // An empty array is a real empty model.
            #expect(try await ErrorTests.failing(.json(200, #"{"customization_id": "c", "words": []}"#)) { try await read($0) } == nil)
        }
        let truncated = try await ErrorTests.failing(.json(200, #"{"words": [{"word": "a""#)) { _ = try await $0.listWords(id: "c") }
        #expect(truncated?.kind == .malformedResponse)
        #expect(truncated?.message == "malformed answer: invalid JSON")
    }
}
