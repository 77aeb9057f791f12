import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct ServiceRulesTests {
    /// `containsWhitespace` must agree with the stdlib's White_Space property for every scalar, alone and
    /// between other text (a lead byte's neighbours must not confuse it).
    @Test func whitespaceMatchesUnicodePropertyForEveryScalar() {
        var mismatches: [UInt32] = []
        for v in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            var alone = ""
            alone.unicodeScalars.append(scalar)
            let expected = scalar.properties.isWhitespace
            if ServiceRules.containsWhitespace(alone) != expected
                || ServiceRules.containsWhitespace("日" + alone + "é") != expected {
                mismatches.append(v)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20).map { String($0, radix: 16) })")
    }

    @Test func entriesWithAnyWhitespaceAreRefused() throws {
        let rules = ServiceRules()
        for word in ["a b", "tab\t", "\u{3000}語", "語\u{00A0}", "x\u{2029}", "\u{202F}"] {
            #expect(throws: ErrorAnswer.self, "\(word.unicodeScalars.map(\.value))") {
                try rules.checkEntry(word: word, translation: "t", partOfSpeech: nil, language: "en-US")
            }
        }
        for word in ["語、", "\u{2010}x", "\u{1C}", "e\u{301}", "🚀"] {
            try rules.checkEntry(word: word, translation: "t", partOfSpeech: nil, language: "en-US")
        }
    }
}
