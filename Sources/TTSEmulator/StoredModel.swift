import NIOCore
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
/// Words are one array kept in service order, so listings need no sort and a lookup is a binary search: no
/// hashing at all. A restore's batches arrive in order, each beyond the last, and are appended; other adds
/// merge sorted runs (``WordBatch``). The listing's JSON is built once on read and cached until the next
/// word change.
///
/// Words are keyed by their exact UTF-8 bytes (``ByteOrder``), never with `String`'s `==` or `<`: those fold
/// canonically equivalent spellings (precomposed `é` and `e` + combining accent) into one, and the service
/// stores and lists them as two entries.
final class StoredModel {
    var meta: ModelMetadata
    /// Strictly increasing by word bytes.
    private(set) var words: [WordEntry] = []
    var prompts: [Prompt]
    /// A ByteBuffer, so answers send it as it is (see ``Reply``).
    private var encodedWordsCache: ByteBuffer?

    init(meta: ModelMetadata, prompts: [Prompt] = []) {
        self.meta = meta
        self.prompts = prompts
    }

    var wordCount: Int { words.count }

    func translation(of word: String) -> Translation? {
        let i = lowerBound(word, in: 0..<words.count)
        return i < words.count && ByteOrder.equal(words[i].word, word) ? words[i].asTranslation : nil
    }

    func removeWord(_ word: String) -> Bool {
        let i = lowerBound(word, in: 0..<words.count)
        guard i < words.count, ByteOrder.equal(words[i].word, word) else { return false }
        words.remove(at: i)
        encodedWordsCache = nil
        return true
    }

    /// Where each entry of `batch` goes, and how many keys are new (for the limit, checked before anything
    /// changes). Batches beyond the last key need no search.
    func plan(_ batch: WordBatch) -> WordMerge {
        guard let first = batch.words.first, let last = words.last, ByteOrder.compare(last.word, first.word) >= 0 else {
            return WordMerge(slots: nil, added: batch.words.count)
        }
        var slots: [WordMerge.Slot] = []
        slots.reserveCapacity(batch.words.count)
        var added = 0
        var from = 0
        for w in batch.words {
            let at = gallop(w.word, from: from)
            let found = at < words.count && ByteOrder.equal(words[at].word, w.word)
            slots.append(WordMerge.Slot(at: at, found: found))
            if !found { added += 1 }
            from = found ? at + 1 : at
        }
        return WordMerge(slots: slots, added: added)
    }

    /// Applies `batch` as `plan(batch)` said (overwrite on re-add).
    func merge(_ batch: WordBatch, _ merge: WordMerge) {
        guard !batch.isEmpty else { return }
        encodedWordsCache = nil
        guard let slots = merge.slots else {
            if words.isEmpty { words = batch.words } else { words.append(contentsOf: batch.words) }
            return
        }
        if merge.added == 0 {
            for (w, s) in zip(batch.words, slots) { words[s.at] = w }
            return
        }
        var out: [WordEntry] = []
        out.reserveCapacity(words.count + merge.added)
        var next = 0
        for (w, s) in zip(batch.words, slots) {
            out.append(contentsOf: words[next..<s.at])
            out.append(w)
            next = s.found ? s.at + 1 : s.at
        }
        out.append(contentsOf: words[next...])
        words = out
    }

    /// First index in `range` whose word is not below `word`.
    private func lowerBound(_ word: String, in range: Range<Int>) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if ByteOrder.compare(words[mid].word, word) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `lowerBound` from `from` on, probing 1, 2, 4... ahead first: a sorted batch's entries land close to one
    /// another, so re-adding a model's own words costs about one comparison each.
    private func gallop(_ word: String, from: Int) -> Int {
        var lo = from, hi = from, step = 1
        while hi < words.count, ByteOrder.compare(words[hi].word, word) < 0 {
            lo = hi + 1
            hi = lo + step
            step *= 2
        }
        return lowerBound(word, in: lo..<min(hi, words.count))
    }

    /// `[{"word":...},...]` in service order.
    var encodedWords: ByteBuffer {
        if let cached = encodedWordsCache { return cached }
        var w = JSONWriter(capacity: words.count * 64 + 2)
        w.array(words) { $0.entry(word: $1.word, translation: $1.translation, partOfSpeech: $1.partOfSpeech) }
        let encoded = ByteBuffer(bytes: w.bytes)
        encodedWordsCache = encoded
        return encoded
    }
}

/// The outcome of ``StoredModel/plan(_:)``, to apply once the limit is known to hold.
struct WordMerge {
    struct Slot {
        /// Index in the model's words of the entry's key, or where it would be inserted.
        var at: Int
        var found: Bool
    }
    /// Per batch entry, in batch order; nil when the whole batch is appended.
    let slots: [Slot]?
    /// Keys not yet in the model.
    let added: Int
}
