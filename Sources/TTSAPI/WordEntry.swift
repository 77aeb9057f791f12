/// One word/translation pair of a custom model.
///
/// The translation is stored byte-exactly as the user wrote it: a sounds-like spelling ("I triple E"),
/// an SSML `<phoneme alphabet="ipa|ibm" ph="..."></phoneme>` element, or a mix. Never normalise it.
public struct WordEntry: Codable, Sendable, Equatable, Hashable {
    public var word: String
    public var translation: String
    /// Japanese (`ja-JP`) models only; one of ``PartOfSpeech/allValues``.
    public var partOfSpeech: String?

    public init(word: String, translation: String, partOfSpeech: String? = nil) {
        self.word = word
        self.translation = translation
        self.partOfSpeech = partOfSpeech
    }

    enum CodingKeys: String, CodingKey {
        case word, translation
        case partOfSpeech = "part_of_speech"
    }

    /// The service's listing order: "alphabetical, uppercase before lowercase", which the observed output
    /// shows to be plain byte order; for non-ASCII we use UTF-8 byte order (the reference marks it undocumented).
    public static func serviceOrder(_ a: String, _ b: String) -> Bool {
        ByteOrder.compare(a, b) < 0
    }

    public var asTranslation: Translation { Translation(translation: translation, partOfSpeech: partOfSpeech) }
}

/// `{"words": [...]}`: body of add-words and answer of list-words.
public struct WordList: Codable, Sendable, Equatable {
    public var words: [WordEntry]
    public init(words: [WordEntry]) { self.words = words }
}

/// Answer of get-word and body of add-word (PUT): the entry without its word.
public struct Translation: Codable, Sendable, Equatable, Hashable {
    public var translation: String
    public var partOfSpeech: String?
    public init(translation: String, partOfSpeech: String? = nil) {
        self.translation = translation
        self.partOfSpeech = partOfSpeech
    }
    enum CodingKeys: String, CodingKey {
        case translation
        case partOfSpeech = "part_of_speech"
    }
}

/// Japanese parts of speech accepted by the service (exact spelling, first letter capital).
public enum PartOfSpeech {
    public static let allValues: [String] = [
        "Dosi", "Fuku", "Gobi", "Hoka", "Jodo", "Josi", "Kato", "Kedo", "Keyo",
        "Kigo", "Koyu", "Mesi", "Reta", "Stbi", "Stto", "Stzo", "Suji",
    ]
    /// The only language whose entries may carry a part of speech.
    public static let language = "ja-JP"
}
