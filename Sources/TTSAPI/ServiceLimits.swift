/// Documented limits of the customization API (reference §5.1). Lengths count Unicode scalars.
public enum ServiceLimits {
    public static let maxWordsPerModel = 20_000
    public static let maxWordLength = 49
    public static let maxTranslationLength = 499
    public static let maxNameLength = 256
    public static let maxDescriptionLength = 128

    /// Whether `text` has more than `limit` Unicode scalars. The UTF-8 length bounds the scalar count, so almost
    /// every entry is settled without decoding.
    @inlinable
    public static func exceeds(_ text: String, _ limit: Int) -> Bool {
        text.utf8.count > limit && text.unicodeScalars.count > limit
    }
    /// Characters the documentation forbids in model names (whether the service enforces it is undocumented).
    public static let forbiddenNameCharacters: Set<Character> = ["\\", "/", ":", "=", "&", "?"]

    /// The forbidden characters `name` holds, in the order of first appearance (empty for nil or a clean name).
    public static func forbiddenCharacters(inName name: String?) -> [Character] {
        var found: [Character] = []
        // By scalar: a combining mark after `/` makes another Character, yet the `/` is still there.
        for u in (name ?? "").unicodeScalars where u.isASCII {
            let c = Character(u)
            if forbiddenNameCharacters.contains(c), !found.contains(c) { found.append(c) }
        }
        return found
    }

    /// Whether `id` has the shape of the service's customization ids: a GUID, 8-4-4-4-12 hex digits (reference
    /// §4.1: lower-case; upper-case is accepted too, as a GUID all the same).
    public static func isCustomizationID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 36 else { return false }
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) else { return false }
            }
        }
        return true
    }

    /// Languages the current IBM SDK lists for custom models.
    public static let sdkLanguages: [String] = [
        "de-DE", "en-AU", "en-GB", "en-US", "es-ES", "es-LA", "es-US",
        "fr-CA", "fr-FR", "it-IT", "ja-JP", "nl-NL", "pt-BR",
    ]
    /// `en-US`, what the service assumes when create-model names no language.
    public static let defaultLanguage = "en-US"
}
