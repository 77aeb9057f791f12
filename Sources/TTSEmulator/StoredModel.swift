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
    /// The keys in service order, when known without sorting: kept while adds only append keys beyond the last
    /// one (a restore sends each model's words in service order, in batches), and after each sort.
    private var orderedKeys: [WordKey]? = []

    init(meta: ModelMetadata, words: [WordKey: Translation] = [:], prompts: [Prompt] = []) {
        self.meta = meta
        self.words = words
        self.prompts = prompts
    }

    var wordCount: Int { words.count }

    /// Applies entries already validated by the caller (overwrite on re-add); `order` is the request's list they
    /// came from, in its order.
    func merge(_ entries: [WordKey: Translation], order: [WordEntry]) {
        guard !entries.isEmpty else { return }
        orderedKeys = orderedKeys.flatMap { keys in Self.appending(order, to: keys) }
        words.merge(entries) { _, new in new }
        encodedWordsCache = nil
    }

    /// `keys` extended by `order` when its words are strictly increasing and all beyond the last key (so none is
    /// present yet), else nil.
    private static func appending(_ order: [WordEntry], to keys: [WordKey]) -> [WordKey]? {
        var last = keys.last?.text
        for entry in order {
            if let l = last, ByteOrder.compare(l, entry.word) >= 0 { return nil }
            last = entry.word
        }
        return keys + order.map { WordKey($0.word) }
    }

    func removeWord(_ word: String) -> Bool {
        guard words.removeValue(forKey: WordKey(word)) != nil else { return false }
        encodedWordsCache = nil
        orderedKeys = nil
        return true
    }

    /// Entries in service order (UTF-8 byte order: uppercase before lowercase). The keys' bytes are laid end to
    /// end and an index is sorted with memcmp: sorting the pairs themselves retained and released two Strings
    /// per comparison, a second of CPU for the first read-back of a 460,000-word restore.
    private var sortedEntries: [(key: WordKey, value: Translation)] {
        if let keys = orderedKeys, keys.count == words.count { return keys.map { ($0, words[$0]!) } }
        let entries = sortedByKey(Array(words))
        orderedKeys = entries.map(\.key)
        return entries
    }

    private func sortedByKey(_ entries: [(key: WordKey, value: Translation)]) -> [(key: WordKey, value: Translation)] {
        var arena: [UInt8] = []
        arena.reserveCapacity(entries.count * 16)
        var spans: [(start: Int, count: Int)] = []
        spans.reserveCapacity(entries.count)
        for entry in entries {
            var text = entry.key.text
            text.withUTF8 { spans.append((arena.count, $0.count)); arena.append(contentsOf: $0) }
        }
        var order = Array(entries.indices)
        arena.withUnsafeBufferPointer { bytes in
            spans.withUnsafeBufferPointer { spans in
                guard let base = bytes.baseAddress else { return }  // no bytes: every key is "", one entry at most
                order.sort { i, j in
                    let a = spans[i], b = spans[j]
                    return ByteOrder.compare(base + a.start, a.count, base + b.start, b.count) < 0
                }
            }
        }
        return order.map { entries[$0] }
    }

    var sortedWords: [WordEntry] {
        sortedEntries.map { WordEntry(word: $0.key.text, translation: $0.value.translation, partOfSpeech: $0.value.partOfSpeech) }
    }

    /// `[{"word":...},...]` in service order.
    var encodedWords: [UInt8] {
        if let cached = encodedWordsCache { return cached }
        var w = JSONWriter(capacity: words.count * 64 + 2)
        w.array(sortedEntries) { $0.entry(word: $1.key.text, translation: $1.value.translation, partOfSpeech: $1.value.partOfSpeech) }
        encodedWordsCache = w.bytes
        return w.bytes
    }
}
