@testable import ArchiveCore
import Basics
import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import tts_archive

/// Names, words and translations from the service are printed for people escaped, one way everywhere, so that
/// ESC, BEL, CR, LF, NUL and the like neither drive the terminal nor break lines (issue 15, item 9).
@Suite struct TerminalTextTests {
    /// Every byte a terminal would act on: C0 but the line feeds between lines, DEL, C1 (UTF-8 C2 80-9F),
    /// U+2028/U+2029 and the bidi overrides (UTF-8 E2 80 A8-AE).
    static func rawControls(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var found: [String] = []
        for (i, b) in bytes.enumerated() {
            if (b < 0x20 && b != 0x0A) || b == 0x7F { found.append("byte \(b) at \(i)") }
            if b == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) { found.append("C1 at \(i)") }
            if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, (0xA8...0xAE).contains(bytes[i + 2]) { found.append("U+202x at \(i)") }
        }
        return found
    }

    @Test func controlsAreWrittenAsSwiftEscapes() {
        #expect(TerminalText.escape("a\u{1B}[31mb\u{07}") == #"a\u{1B}[31mb\u{7}"#)
        #expect(TerminalText.escape("\0\t\n\r") == #"\0\t\n\r"#)
        #expect(TerminalText.escape("x\u{7F}\u{85}\u{9B}y") == #"x\u{7F}\u{85}\u{9B}y"#)
        #expect(TerminalText.escape("l\u{2028}p\u{2029}") == #"l\u{2028}p\u{2029}"#)
        #expect(TerminalText.escape("\u{202E}evil\u{202C}\u{2066}\u{2069}\u{200E}\u{200F}\u{061C}") == #"\u{202E}evil\u{202C}\u{2066}\u{2069}\u{200E}\u{200F}\u{61C}"#)
        #expect(TerminalText.escape("zero\u{200B}width\u{2060}\u{FEFF}") == #"zero\u{200B}width\u{2060}\u{FEFF}"#)
        #expect(TerminalText.quoted("a\"b\n") == #""a"b\n""#)
    }

    @Test func cleanTextIsUnchanged() {
        for text in ["", "IEEE", "I triple E", #"back\slash C:\x"#, "ニューヨーク", "café", "cafe\u{301}", "– ’ … © ° \u{A0}",
                     "👩\u{200D}💻", "می\u{200C}خواهم", "ＮＹ", String(repeating: "abcdefgh", count: 9)] {
            #expect(TerminalText.escape(text) == text)
            #expect(!text.utf8.withContiguousStorageIfAvailable(TerminalText.needsEscape)!)
        }
    }

    @Test func escapingTwiceChangesNothing() {
        let text = "a\u{1B}b\nc\u{202E}d\\e"
        #expect(TerminalText.escape(TerminalText.escape(text)) == TerminalText.escape(text))
    }

    /// The byte scans (eight bytes at a time, then lead bytes) agree with the scalar rule on text made of the
    /// scalars on either side of every escaped range, at every offset across the eight-byte steps.
    @Test func theByteScanAgreesWithTheScalarRule() {
        let edges: [UInt32] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x41, 0x5C, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0xAD, 0x61B, 0x61C, 0x61D,
                               0x200A, 0x200B, 0x200C, 0x200D, 0x200F, 0x2010, 0x2027, 0x2028, 0x202E, 0x202F, 0x205F, 0x2060,
                               0x2061, 0x2065, 0x2066, 0x2069, 0x206A, 0x3042, 0xFEFE, 0xFEFF, 0xFF21, 0x1F600]
        var rng = SplitMix64(seed: 15)
        for _ in 0..<5_000 {
            let n = Int.random(in: 0...20, using: &rng)
            var scalars = (0..<n).map { _ in Unicode.Scalar(0x61 + UInt32.random(in: 0..<26, using: &rng))! }
            if Bool.random(using: &rng), !scalars.isEmpty {
                scalars[Int.random(in: 0..<scalars.count, using: &rng)] = Unicode.Scalar(edges.randomElement(using: &rng)!)!
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let expected = scalars.contains(where: TerminalText.isEscaped)
            #expect(text.utf8.withContiguousStorageIfAvailable(TerminalText.needsEscape)! == expected, "\(scalars.map(\.value))")
            let plain = text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
            #expect(text.utf8.withContiguousStorageIfAvailable(TerminalText.isPlainASCII)! == plain, "\(scalars.map(\.value))")
        }
    }

    @Test func diffTextEscapesEverythingFromTheService() {
        let evil = "a\u{1B}]0;title\u{07}\r\nb\u{9B}c\u{2028}"
        let words = WordChanges([
            WordChange(change: .added, word: "w\u{1B}[2J", old: nil, new: Translation(translation: evil, partOfSpeech: "P\u{0}")),
            WordChange(change: .changed, word: "IEEE", old: Translation(translation: "I triple E"), new: Translation(translation: evil)),
            WordChange(change: .removed, word: "ok", old: Translation(translation: "fine"), new: nil),
        ])
        let model = ModelDiff(change: .changed, fromCustomizationID: "id\u{1B}", toCustomizationID: "id\u{1B}", name: evil, language: "en\u{7}",
                              metadata: [FieldChange(field: "description", old: evil, new: nil)], words: words,
                              prompts: [PromptChange(change: .added, promptID: "p\u{1B}", old: nil,
                                                     new: Prompt(prompt: evil, promptID: "p\u{1B}", status: "available"))])
        let d = ArchiveDiff(from: "snapshot 1", to: "snapshot 2", matchBy: "id", models: [model])
        let format = DiffFormat(colour: false)
        let text = format.text(d)
        #expect(Self.rawControls(text) == [])
        let e = #"a\u{1B}]0;title\u{7}\r\nb\u{9B}c\u{2028}"#
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1] == #"~ model "\#(e)" (en\u{7}) id\u{1B}"#)
        #expect(lines[2] == #"    ~ description: "\#(e)" -> (none)"#)
        // The word column is as wide as the widest word as printed, escapes included.
        #expect(lines[3] == #"    + w\u{1B}[2J  \#(e) [P\0]"#)
        #expect(lines[4] == #"    ~ IEEE        I triple E  ->  \#(e)"#)
        #expect(lines[5] == #"    - ok          fine"#)
        #expect(lines[6] == #"    + prompt p\u{1B}: "" -> "\#(e)" (metadata only)"#)
        // --name-only separates its columns with tabs.
        #expect(Self.rawControls(format.nameOnly(d).replacingOccurrences(of: "\t", with: " ")) == [])
        let header = ["CHANGE", "CUSTOMIZATION ID", "LANGUAGE", "+WORDS", "-WORDS", "~WORDS", "METADATA", "NAME"]
        #expect(Self.rawControls(Output.tableLines(header, format.stat(d)).joined(separator: "\n")) == [])
    }

    @Test func tablesAndErrorLinesEscape() {
        let lines = Output.tableLines(["ID", "NAME"], [["1", "x\ny"], ["22", "\u{1B}[1m"]])
        #expect(lines == ["ID  NAME", #"1   x\ny"#, #"22  \u{1B}[1m"#])
        let models = [CustomModel(customizationID: "c1", name: "Evil\u{1B}[31m\r\nname", language: "en-US", lastModified: "t")]
        let table = Models.table(models)
        #expect(Self.rawControls(table) == [])
        #expect(table.contains(#"Evil\u{1B}[31m\r\nname"#))
        #expect(ErrorReporting.line("model \"a\nb\u{1B}\" failed\n") == #"tts-archive: error: model "a\nb\u{1B}" failed"#)
    }
}
