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
/// Words are kept in service order, so listings need no sort and a lookup is a binary search: no hashing at
/// all. A restore's batches arrive in order, each beyond the last, and are kept as they came, as runs: no copy
/// into a growing array. Any other change first joins the runs into one array and merges sorted runs
/// (``WordBatch``). The listing's JSON is built once on read and cached until the next word change.
///
/// Words are keyed by their exact UTF-8 bytes (``ByteOrder``), never with `String`'s `==` or `<`: those fold
/// canonically equivalent spellings (precomposed `é` and `e` + combining accent) into one, and the service
/// stores and lists them as two entries.
final class StoredModel {
    var meta: ModelMetadata
    var prompts: [Prompt]
    /// Non-empty arrays, each strictly increasing by word bytes and wholly beyond the one before.
    private var runs: [[WordEntry]] = []
    private(set) var wordCount = 0
    /// A ByteBuffer, so answers send it as it is (see ``Reply``).
    private var encodedWordsCache: ByteBuffer?

    /// At this many runs they are joined before another is added, so a lookup never scans many runs (as
    /// one-word adds in order would make).
    static let maxRuns = 16

    init(meta: ModelMetadata, prompts: [Prompt] = []) {
        self.meta = meta
        self.prompts = prompts
    }

    /// All words in service order, as one array (joining the runs, which then stay joined).
    var words: [WordEntry] {
        joinRuns()
        return runs.first ?? []
    }

    /// For tests: how many arrays hold the words.
    var runCount: Int { runs.count }

    private func joinRuns() {
        guard runs.count > 1 else { return }
        var all: [WordEntry] = []
        all.reserveCapacity(wordCount)
        for run in runs { all.append(contentsOf: run) }
        runs = [all]
    }

    func translation(of word: String) -> Translation? {
        // Only the first run whose last word is not below `word` can hold it.
        guard let run = runs.first(where: { ByteOrder.compare($0[$0.count - 1].word, word) >= 0 }) else { return nil }
        let i = Self.lowerBound(word, in: run, 0..<run.count)
        return i < run.count && ByteOrder.equal(run[i].word, word) ? run[i].asTranslation : nil
    }

    func removeWord(_ word: String) -> Bool {
        joinRuns()
        guard let i = joinedIndex(of: word) else { return false }
        if wordCount == 1 { runs = [] } else { runs[0].remove(at: i) }
        wordCount -= 1
        encodedWordsCache = nil
        return true
    }

    /// Where `word` is in the joined runs, if there (no local copy of the array outlives this, so the caller
    /// can then change it in place).
    private func joinedIndex(of word: String) -> Int? {
        guard let all = runs.first else { return nil }
        let i = Self.lowerBound(word, in: all, 0..<all.count)
        return i < all.count && ByteOrder.equal(all[i].word, word) ? i : nil
    }

    /// Where each entry of `batch` goes, and how many keys are new (for the limit, checked before anything
    /// changes). A batch beyond the last key needs no search.
    func plan(_ batch: WordBatch) -> WordMerge {
        guard let first = batch.words.first, let last = runs.last?.last, ByteOrder.compare(last.word, first.word) >= 0 else {
            return WordMerge(slots: nil, added: batch.words.count)
        }
        joinRuns()
        let words = runs[0]
        var slots: [WordMerge.Slot] = []
        slots.reserveCapacity(batch.words.count)
        var added = 0
        var from = 0
        for w in batch.words {
            let at = Self.gallop(w.word, in: words, from: from)
            let found = at < words.count && ByteOrder.equal(words[at].word, w.word)
            slots.append(WordMerge.Slot(at: at, found: found))
            if !found { added += 1 }
            from = found ? at + 1 : at
        }
        return WordMerge(slots: slots, added: added)
    }

    /// Applies `batch` as `plan(batch)`, called just before, said (overwrite on re-add).
    func merge(_ batch: WordBatch, _ merge: WordMerge) {
        guard !batch.isEmpty else { return }
        encodedWordsCache = nil
        wordCount += merge.added
        guard let slots = merge.slots else {
            if runs.count >= Self.maxRuns { joinRuns() }
            runs.append(batch.words)
            return
        }
        // plan() joined the runs: runs[0] holds every word.
        if merge.added == 0 {
            for (w, s) in zip(batch.words, slots) { runs[0][s.at] = w }
            return
        }
        let words = runs[0]
        var out: [WordEntry] = []
        out.reserveCapacity(wordCount)
        var next = 0
        for (w, s) in zip(batch.words, slots) {
            out.append(contentsOf: words[next..<s.at])
            out.append(w)
            next = s.found ? s.at + 1 : s.at
        }
        out.append(contentsOf: words[next...])
        runs = [out]
    }

    /// First index in `range` of `words` whose word is not below `word`.
    private static func lowerBound(_ word: String, in words: [WordEntry], _ range: Range<Int>) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if ByteOrder.compare(words[mid].word, word) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `lowerBound` from `from` on, probing 1, 2, 4... ahead first: a sorted batch's entries land close to one
    /// another, so re-adding a model's own words costs about one comparison each.
    private static func gallop(_ word: String, in words: [WordEntry], from: Int) -> Int {
        var lo = from, hi = from, step = 1
        while hi < words.count, ByteOrder.compare(words[hi].word, word) < 0 {
            lo = hi + 1
            hi = lo + step
            step *= 2
        }
        return lowerBound(word, in: words, lo..<min(hi, words.count))
    }

    /// `[{"word":...},...]` in service order.
    var encodedWords: ByteBuffer {
        if let cached = encodedWordsCache { return cached }
        // Room for every entry with a few escapes, so the array is not outgrown and moved while written
        // (a guess of 64 bytes an entry was short for half the models of a restore).
        var size = 2
        for e in runs.joined() {
            size += e.word.utf8.count + e.translation.utf8.count + (e.partOfSpeech.map { $0.utf8.count + 20 } ?? 0) + 40
        }
        var w = JSONWriter(capacity: size)
        w.array(runs.joined()) { $0.entry(word: $1.word, translation: $1.translation, partOfSpeech: $1.partOfSpeech) }
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
