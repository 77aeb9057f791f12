@testable import ArchiveCore
import Foundation
import Testing
import TTSAPI

/// `diff --json` is written by hand for speed; without its newlines, its bytes must stay exactly what the
/// documented Codable schema encodes to (compact, sorted keys, snake_case, unescaped slashes).
@Suite struct DiffJSONTests {
    static func encoderBytes(_ d: ArchiveDiff) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Array(try encoder.encode(d))
    }

    static let awkward = ["", "plain", "TCP/IP", "quote\"d", "back\\slash", "tab\there", "new\nline", "\u{0}\u{1}\u{1F}\u{7F}",
                          "caf\u{E9}", "cafe\u{301}", "😀", "日本語", "\u{2028}", "\r\u{8}\u{C}", "50%"]

    static func randomDiff(_ rng: inout SystemRandomNumberGenerator, models: Int) -> ArchiveDiff {
        func text() -> String { awkward.randomElement(using: &rng)! + String(Int.random(in: 0..<5, using: &rng)) }
        func maybe() -> String? { Bool.random(using: &rng) ? text() : nil }
        func change() -> ChangeKind { [.added, .removed, .changed].randomElement(using: &rng)! }
        func translation() -> Translation? {
            Bool.random(using: &rng) ? Translation(translation: text(), partOfSpeech: Bool.random(using: &rng) ? "Mesi" : nil) : nil
        }
        func prompt() -> Prompt? {
            Bool.random(using: &rng) ? Prompt(prompt: text(), promptID: text(), status: "available", error: maybe(), speakerID: maybe()) : nil
        }
        let list = (0..<models).map { _ in
            ModelDiff(change: change(), fromCustomizationID: maybe(), toCustomizationID: maybe(), name: maybe(), language: maybe(),
                      metadata: (0..<Int.random(in: 0...2, using: &rng)).map { _ in FieldChange(field: text(), old: maybe(), new: maybe()) },
                      words: WordChanges((0..<Int.random(in: 0...4, using: &rng)).map { _ in
                          WordChange(change: change(), word: text(), old: translation(), new: translation())
                      }),
                      prompts: (0..<Int.random(in: 0...1, using: &rng)).map { _ in
                          PromptChange(change: change(), promptID: text(), old: prompt(), new: prompt())
                      })
        }
        return ArchiveDiff(from: text(), to: text(), matchBy: Bool.random(using: &rng) ? "id" : "name", models: list)
    }

    static func lines(_ json: [UInt8]) -> [String] {
        String(decoding: json, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The layout: the document's opening, then a line per model, a line per word change, and a line closing a
    /// model's words, then the closing. Each word change's line is that change's object alone (and a comma).
    static func expectedLines(_ d: ArchiveDiff) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        func text<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
        guard !d.models.isEmpty else { return [String(decoding: try encoderBytes(d), as: UTF8.self)] }
        var out: [String] = [String(try text(["from": d.from, "match_by": d.matchBy]).dropLast()) + ",\"models\":["]
        for (i, m) in d.models.enumerated() {
            var bare = m
            bare.words = []
            let model = try text(bare)
            let last = i == d.models.count - 1 ? "" : ","
            if m.words.isEmpty { out.append(model + last); continue }
            out.append(String(model.dropLast(2)))
            out += try m.words.enumerated().map { j, w in try text(w) + (j == m.words.count - 1 ? "" : ",") }
            out.append("]}" + last)
        }
        var end = try text(["summary": d.summary])
        end.removeFirst()
        out.append("]," + String(end.dropLast()) + ",\"to\":" + (try text(d.to)) + "}")
        return out
    }

    @Test func handWrittenJSONMatchesTheEncoderByteForByte() throws {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 5, 20] {
            for _ in 0..<40 {
                let d = Self.randomDiff(&rng, models: n)
                let mine = d.jsonBytes(), theirs = try Self.encoderBytes(d)
                // Newlines only between tokens (text has them escaped): without them, the encoder's bytes.
                let compact = mine.filter { $0 != 0x0A }
                #expect(compact == theirs, "\(String(decoding: mine, as: UTF8.self))\n---\n\(String(decoding: theirs, as: UTF8.self))")
                #expect(try Self.lines(mine) == Self.expectedLines(d), "\(String(decoding: mine, as: UTF8.self))")
                if compact != theirs { return }
            }
        }
    }
}
