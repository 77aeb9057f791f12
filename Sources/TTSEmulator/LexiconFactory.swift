import Basics
import TTSAPI

/// Makes realistic custom entries from a seeded PRNG: acronyms, product names, unicode and URL-hostile
/// words (`/ & ? # %`), sounds-like, IPA and SPR translations, Japanese entries with part of speech.
/// Pure function of the PRNG state, so a seed always gives the same lexicon.
struct LexiconFactory {
    static let syllables = ["ka", "lo", "mi", "ne", "tor", "vex", "zen", "qua", "ri", "sol", "ta", "bri",
                            "dex", "fy", "gro", "hal", "jin", "lux", "mar", "nov", "pix", "sy", "tek", "vo"]
    static let latinExtras = ["é", "ü", "ñ", "ç", "ø", "å", "ß", "à", "ï", "ô"]
    static let hostile = ["/", "&", "?", "#", "%", "+", "=", ":", "'", "@", ";", "\\", "\""]
    static let katakana = Array("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン")
    static let fullWidth = Array("ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")
    static let kanji = Array("東京大阪日本語会社営業部長技術情報")
    static let ipaSymbols = ["ə", "ɪ", "ʊ", "æ", "ɑ", "ɔ", "ʃ", "ʒ", "θ", "ð", "ŋ", "ɹ", "t", "k", "m", "n", "s", "l", "i", "e"]
    static let sprSymbols = ["A", "E", "I", "O", "U", "x", "Y", "tr", "k", "m", "n", "s", "l", "G", "S", "D"]
    static let emoji = ["😀", "🚀", "✅", "🎧"]

    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    static func syllableRun(_ rng: inout SplitMix64, _ count: Int) -> String {
        (0..<count).map { _ in rng.pick(syllables) }.joined()
    }

    static func acronym(_ rng: inout SplitMix64) -> String {
        String((0..<(2 + rng.below(4))).map { _ in Character(UnicodeScalar(UInt8(65 + rng.below(26)))) })
    }

    /// A word for a non-Japanese model; always without white space and at most 49 characters.
    static func word(_ rng: inout SplitMix64) -> String {
        switch rng.below(100) {
        case 0..<25: return acronym(&rng)
        case 25..<45: // product names: iPhone-like, CamelCase, with digits
            let prefix = rng.pick(["i", "e", "x", "my", "", "", ""])
            let name = prefix + capitalized(syllableRun(&rng, 1 + rng.below(2)))
                + (rng.chance(0.3) ? capitalized(syllableRun(&rng, 1)) : "")
            return rng.chance(0.25) ? name + String(rng.below(99) + 1) : name
        case 45..<60: // ordinary domain jargon
            return syllableRun(&rng, 2 + rng.below(3))
        case 60..<72: // accented / non-Latin letters
            return capitalized(syllableRun(&rng, 1)) + rng.pick(latinExtras) + syllableRun(&rng, 1)
        case 72..<90: // URL-hostile: TCP/IP, a&b, 50%, what?, #tag ...
            let sep = rng.pick(hostile)
            switch rng.below(4) {
            case 0: return acronym(&rng) + sep + acronym(&rng)
            case 1: return String(rng.below(100)) + sep
            case 2: return sep + syllableRun(&rng, 2)
            default: return syllableRun(&rng, 1) + sep + syllableRun(&rng, 1)
            }
        case 90..<95: // full-width letters, as in the docs' ＮＹ example
            return String((0..<(2 + rng.below(2))).map { _ in rng.pick(fullWidth) })
        default: // astral-plane characters (surrogate pairs in the SDK's JSON)
            return syllableRun(&rng, 1) + rng.pick(emoji)
        }
    }

    /// A translation: sounds-like (most), IPA or SPR phoneme markup, or a mix.
    static func translation(for word: String, _ rng: inout SplitMix64) -> String {
        switch rng.below(10) {
        case 0..<6:
            let n = 1 + rng.below(3)
            return (0..<n).map { _ in syllableRun(&rng, 1 + rng.below(2)) }.joined(separator: rng.chance(0.2) ? "-" : " ")
        case 6, 7:
            let ph = (0..<(3 + rng.below(6))).map { _ in rng.pick(ipaSymbols) }.joined()
            return "<phoneme alphabet=\"ipa\" ph=\"ˈ\(ph)\"></phoneme>"
        case 8:
            let ph = (0..<(3 + rng.below(5))).map { _ in rng.pick(sprSymbols) }.joined()
            let q = rng.chance(0.2) ? "'" : "\""
            return "<phoneme alphabet=\(q)ibm\(q) ph=\(q)1\(ph)\(q)></phoneme>"
        default:
            let ph = (0..<(3 + rng.below(4))).map { _ in rng.pick(ipaSymbols) }.joined()
            return syllableRun(&rng, 1) + "<phoneme alphabet=\"ipa\" ph=\"\(ph)\"></phoneme>"
        }
    }

    /// Japanese entry: Kanji / full-width / katakana word, Katakana-only sounds-like, part of speech.
    static func japaneseEntry(_ rng: inout SplitMix64) -> WordEntry {
        let word: String = switch rng.below(3) {
        case 0: String((0..<(2 + rng.below(3))).map { _ in rng.pick(kanji) })
        case 1: String((0..<(2 + rng.below(2))).map { _ in rng.pick(fullWidth) })
        default: acronym(&rng)
        }
        let translation = String((0..<(3 + rng.below(6))).map { _ in rng.pick(katakana) })
        let pos: String? = rng.chance(0.8) ? rng.pick(PartOfSpeech.allValues) : nil
        return WordEntry(word: word, translation: translation, partOfSpeech: pos)
    }

    /// An entry new to `existing`, for the given language. Collisions get a numeric suffix, which keeps
    /// the result a pure function of the PRNG state.
    static func entry(language: String, avoiding existing: Set<String>, _ rng: inout SplitMix64) -> WordEntry {
        var e: WordEntry
        if language == PartOfSpeech.language {
            e = japaneseEntry(&rng)
        } else {
            let w = word(&rng)
            e = WordEntry(word: w, translation: translation(for: w, &rng))
        }
        if existing.contains(e.word) {
            var n = 2
            while existing.contains(e.word + String(n)) { n += 1 }
            e.word += String(n)
        }
        if ServiceLimits.exceeds(e.word, ServiceLimits.maxWordLength) {
            e.word = String(String.UnicodeScalarView(e.word.unicodeScalars.prefix(40))) + String(rng.below(1000))
        }
        return e
    }
}
