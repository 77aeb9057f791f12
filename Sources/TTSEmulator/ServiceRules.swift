import TTSAPI

/// What the emulated service accepts: languages, name rules, limits. Limits default to the documented ones
/// (reference §5.1); tests may lower them only through this type, never by patching code.
public struct ServiceRules: Sendable, Equatable {
    /// Languages a model may be created in; others get 400. Default: the SDK's 13 plus `ko-KR` (reference §4.3).
    public var languages: Set<String>
    /// Reject names with `\ / : = & ?` (reference §5.2: documented as a rule, enforcement [ND]; off by default).
    public var strictNames: Bool

    public static let defaultLanguages: Set<String> = Set(ServiceLimits.sdkLanguages + ["ko-KR"])

    public init(languages: Set<String> = ServiceRules.defaultLanguages, strictNames: Bool = false) {
        self.languages = languages
        self.strictNames = strictNames
    }

    func checkLanguage(_ language: String) throws(ErrorAnswer) {
        guard languages.contains(language) else {
            throw .badRequest("Invalid value for 'language': '\(language)' is not a supported language for customization")
        }
    }

    func checkName(_ name: String) throws(ErrorAnswer) {
        if name.isEmpty { throw .badRequest("Required parameter 'name' is missing or empty") }
        if ServiceLimits.exceeds(name, ServiceLimits.maxNameLength) {
            throw .badRequest("The name of a custom model must not exceed \(ServiceLimits.maxNameLength) characters")
        }
        if strictNames, name.contains(where: { ServiceLimits.forbiddenNameCharacters.contains($0) }) {
            throw .badRequest("The name of a custom model must not contain any of the characters \\ / : = & ?")
        }
    }

    func checkDescription(_ description: String) throws(ErrorAnswer) {
        if ServiceLimits.exceeds(description, ServiceLimits.maxDescriptionLength) {
            throw .badRequest(
                "The description of a custom model must not exceed \(ServiceLimits.maxDescriptionLength) characters")
        }
    }

    /// Per-entry checks (reference §5.3, §4.2). Messages are [ND]; they name the offending word.
    func checkEntry(word: String, translation: String, partOfSpeech: String?, language: String) throws(ErrorAnswer) {
        if word.isEmpty { throw .badRequest("A word must not be empty") }
        if Self.containsWhitespace(word) {
            throw .badRequest("The word '\(word)' must not contain white space")
        }
        if ServiceLimits.exceeds(word, ServiceLimits.maxWordLength) {
            throw .badRequest("The word '\(word)' exceeds the maximum length of \(ServiceLimits.maxWordLength) characters")
        }
        if translation.isEmpty { throw .badRequest("The translation of the word '\(word)' must not be empty") }
        if ServiceLimits.exceeds(translation, ServiceLimits.maxTranslationLength) {
            throw .badRequest(
                "The translation of the word '\(word)' exceeds the maximum length of \(ServiceLimits.maxTranslationLength) characters")
        }
        if let pos = partOfSpeech {
            guard language == PartOfSpeech.language else { throw .posJapaneseOnly }
            guard PartOfSpeech.allValues.contains(pos) else {
                throw .badRequest("Invalid part_of_speech '\(pos)' for the word '\(word)'")
            }
        }
    }

    /// Whether any scalar has Unicode's White_Space property, read off the UTF-8 bytes: the stdlib's property
    /// lookup (`properties.isWhitespace`) was most of the entry checks' cost for non-ASCII words. The
    /// exhaustive test in ServiceRulesTests holds this to the stdlib's answer for every scalar.
    static func containsWhitespace(_ s: String) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable(containsWhitespace) { return r }
        return s.unicodeScalars.contains { $0.properties.isWhitespace }
    }

    /// `bytes` is valid UTF-8 (a String's), so a lead byte is always followed by its continuation bytes, and a
    /// continuation byte (80-BF) never matches a lead byte tested here.
    private static func containsWhitespace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case 0x09...0x0D, 0x20: return true
            case 0xC2:  // U+0085, U+00A0
                if bytes[i + 1] == 0x85 || bytes[i + 1] == 0xA0 { return true }
            case 0xE1:  // U+1680
                if bytes[i + 1] == 0x9A && bytes[i + 2] == 0x80 { return true }
            case 0xE2:  // U+2000...U+200A, U+2028, U+2029, U+202F; U+205F
                let b = bytes[i + 2]
                if bytes[i + 1] == 0x80 && (b <= 0x8A || b == 0xA8 || b == 0xA9 || b == 0xAF) { return true }
                if bytes[i + 1] == 0x81 && b == 0x9F { return true }
            case 0xE3:  // U+3000
                if bytes[i + 1] == 0x80 && bytes[i + 2] == 0x80 { return true }
            default: break
            }
            i += 1
        }
        return false
    }
}
