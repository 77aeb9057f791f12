import TTSAPI

/// The entries of one add-words (or update-model, or import) request as the model will take them: in service
/// order, one entry per key, the last of duplicates winning. Built outside the instance lock.
///
/// A restore and the SDK send words already in service order, so this is usually the request's own array,
/// checked with one comparison per neighbour; other requests are sorted once here, so the model only ever
/// merges sorted runs. Order and equality are by exact UTF-8 bytes (see ``StoredModel``).
struct WordBatch {
    /// Strictly increasing by word.
    let words: [WordEntry]

    init(_ entries: [WordEntry]) {
        words = entries.isSorted ? entries : Self.sortedLastWins(entries)
    }

    var isEmpty: Bool { words.isEmpty }

    /// Sorted by key, and of entries with equal keys only the one latest in `words`. The keys' bytes are laid
    /// end to end and an index is sorted with memcmp: sorting the entries themselves retained and released two
    /// Strings per comparison.
    static func sortedLastWins(_ words: [WordEntry]) -> [WordEntry] {
        var arena: [UInt8] = []
        arena.reserveCapacity(words.count * 16)
        var spans: [(start: Int, count: Int)] = []
        spans.reserveCapacity(words.count)
        for w in words {
            var text = w.word
            text.withUTF8 { spans.append((arena.count, $0.count)); arena.append(contentsOf: $0) }
        }
        var order = Array(words.indices)
        var out: [WordEntry] = []
        out.reserveCapacity(words.count)
        arena.withUnsafeBufferPointer { bytes in
            spans.withUnsafeBufferPointer { spans in
                // No bytes at all: every key is "" (never valid, but keep the contract): the last one stands.
                guard let base = bytes.baseAddress else {
                    if let last = words.last { out.append(last) }
                    return
                }
                func compare(_ i: Int, _ j: Int) -> Int {
                    let a = spans[i], b = spans[j]
                    return ByteOrder.compare(base + a.start, a.count, base + b.start, b.count)
                }
                // Equal keys keep request order, so the last of each run of equal keys is the one that wins.
                order.sort { i, j in
                    let c = compare(i, j)
                    return c != 0 ? c < 0 : i < j
                }
                for (n, i) in order.enumerated() where n + 1 == order.count || compare(i, order[n + 1]) != 0 {
                    out.append(words[i])
                }
            }
        }
        return out
    }
}
