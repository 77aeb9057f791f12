@testable import ArchiveCore
import Foundation
import Testing
import TTSAPI

/// `diff --json` is written by hand for speed; its bytes must stay exactly what the documented Codable schema
/// encodes to with the CLI's encoder settings.
@Suite struct DiffJSONTests {
    static func encoderBytes(_ d: ArchiveDiff) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
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

    @Test func handWrittenJSONMatchesTheEncoderByteForByte() throws {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 5, 20] {
            for _ in 0..<40 {
                let d = Self.randomDiff(&rng, models: n)
                let mine = d.jsonBytes(), theirs = try Self.encoderBytes(d)
                #expect(mine == theirs, "\(String(decoding: mine, as: UTF8.self))\n---\n\(String(decoding: theirs, as: UTF8.self))")
                if mine != theirs { return }
            }
        }
    }
}
