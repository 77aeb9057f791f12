import TTSAPI

/// The stored form of a custom model's metadata (everything but words and prompts).
struct ModelMetadata: Sendable {
    var id: String
    var owner: String
    var created: String
    var lastModified: String
    var name: String
    var language: String
    var description: String

    var customModel: CustomModel {
        CustomModel(customizationID: id, name: name, language: language, owner: owner, created: created,
                    lastModified: lastModified, description: description)
    }
}

/// One custom model in memory. Not thread-safe: always used under its ``ServiceInstance``'s lock.
///
/// Words live in a dictionary keyed by exact bytes (case- and normalization-sensitive, overwrite on re-add); the service's sorted listing and
/// its JSON are built once on read and cached until the next word change, so repeated get-model calls on
/// a 20,000-word model cost a copy of bytes.
final class StoredModel {
    var meta: ModelMetadata
    private(set) var words: [WordKey: Translation]
    var prompts: [Prompt]
    private var encodedWordsCache: [UInt8]?

    init(meta: ModelMetadata, words: [WordKey: Translation] = [:], prompts: [Prompt] = []) {
        self.meta = meta
        self.words = words
        self.prompts = prompts
    }

    var wordCount: Int { words.count }

    /// Applies entries already validated by the caller (overwrite on re-add).
    func merge(_ entries: [WordKey: Translation]) {
        guard !entries.isEmpty else { return }
        words.merge(entries) { _, new in new }
        encodedWordsCache = nil
    }

    func removeWord(_ word: String) -> Bool {
        guard words.removeValue(forKey: WordKey(word)) != nil else { return false }
        encodedWordsCache = nil
        return true
    }

    /// Entries in service order (UTF-8 byte order: uppercase before lowercase), sorted as pairs so no key is
    /// hashed again.
    private var sortedEntries: [(key: WordKey, value: Translation)] {
        words.sorted { WordEntry.serviceOrder($0.key.text, $1.key.text) }
    }

    var sortedWords: [WordEntry] {
        sortedEntries.map { WordEntry(word: $0.key.text, translation: $0.value.translation, partOfSpeech: $0.value.partOfSpeech) }
    }

    /// `[{"word":...},...]` in service order.
    var encodedWords: [UInt8] {
        if let cached = encodedWordsCache { return cached }
        var w = JSONWriter(capacity: words.count * 64 + 2)
        w.raw("[")
        var first = true
        for (key, t) in sortedEntries {
            if !first { w.raw(",") }
            first = false
            w.entry(word: key.text, translation: t.translation, partOfSpeech: t.partOfSpeech)
        }
        w.raw("]")
        encodedWordsCache = w.bytes
        return w.bytes
    }
}
