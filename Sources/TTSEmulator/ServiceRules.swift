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

    func checkLanguage(_ language: String) throws(ServiceError) {
        guard languages.contains(language) else {
            throw .badRequest("Invalid value for 'language': '\(language)' is not a supported language for customization")
        }
    }

    func checkName(_ name: String) throws(ServiceError) {
        if name.isEmpty { throw .badRequest("Required parameter 'name' is missing or empty") }
        if ServiceLimits.exceeds(name, ServiceLimits.maxNameLength) {
            throw .badRequest("The name of a custom model must not exceed \(ServiceLimits.maxNameLength) characters")
        }
        if strictNames, name.contains(where: { ServiceLimits.forbiddenNameCharacters.contains($0) }) {
            throw .badRequest("The name of a custom model must not contain any of the characters \\ / : = & ?")
        }
    }

    func checkDescription(_ description: String) throws(ServiceError) {
        if ServiceLimits.exceeds(description, ServiceLimits.maxDescriptionLength) {
            throw .badRequest(
                "The description of a custom model must not exceed \(ServiceLimits.maxDescriptionLength) characters")
        }
    }

    /// Per-entry checks (reference §5.3, §4.2). Messages are [ND]; they name the offending word.
    func checkEntry(word: String, translation: String, partOfSpeech: String?, language: String) throws(ServiceError) {
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

    /// ASCII bytes are checked directly; only non-ASCII scalars need a Unicode property lookup.
    static func containsWhitespace(_ s: String) -> Bool {
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            return s.utf8.contains { $0 == 0x20 || (0x09...0x0D).contains($0) }
        }
        return s.unicodeScalars.contains { $0.properties.isWhitespace }
    }
}
