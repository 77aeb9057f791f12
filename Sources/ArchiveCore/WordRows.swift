import Foundation
import SQLiteDB
import TTSAPI

/// Word rows read for a diff, their text kept as bytes in one buffer. A diff reads every row that started or
/// ended between two snapshots but reports only the differences; a String and an array per row, and a
/// dictionary of arrays per model, cost more than the reading itself.
struct WordRows: Sendable {
    struct Row: Sendable {
        var model: Int64
        /// Offset of the word in `bytes`; the translation and then the part of speech follow it.
        var start: Int
        var wordLength: Int32
        var translationLength: Int32
        /// -1 when the entry has no part of speech.
        var posLength: Int32
    }

    var bytes: [UInt8] = []
    var rows: [Row] = []

    /// Appends every row of `statement`, whose columns are model, word, translation, part_of_speech.
    mutating func read(_ statement: Statement) throws {
        try statement.forEachRow { r in
            let start = bytes.count
            let word = r.appendBytes(1, to: &bytes) ?? 0
            let translation = r.appendBytes(2, to: &bytes) ?? 0
            let pos = r.appendBytes(3, to: &bytes) ?? -1
            rows.append(Row(model: r.int64(0), start: start, wordLength: Int32(word),
                            translationLength: Int32(translation), posLength: Int32(pos)))
        }
    }

    /// Sorts by model, then word in byte order (the service's order).
    mutating func sort() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            rows.sort { x, y in
                if x.model != y.model { return x.model < y.model }
                return ByteOrder.compare(base + x.start, Int(x.wordLength), base + y.start, Int(y.wordLength)) < 0
            }
        }
    }
}

/// The word differences of one lineage between two snapshots, from the rows that ended (`died`, valid in the
/// older) and started (`born`, valid in the newer): a merge of two sorted lists.
enum WordRowMerge {
    /// Below this many rows one thread is faster than two.
    static let parallelRows = 20_000

    /// The changed words of each model (none with `.counts`) and their numbers.
    struct Result {
        var words: [Int64: [WordChange]] = [:]
        var counts: [Int64: WordCounts] = [:]
    }

    /// Above `parallelRows`, the two halves of the models (split at a model near the middle of the larger side)
    /// are merged concurrently: making a String per changed word is most of the merge's time.
    static func changes(died: WordRows, born: WordRows, detail: DiffDetail = .words) -> Result {
        let total = died.rows.count + born.rows.count
        let larger = died.rows.count >= born.rows.count ? died.rows : born.rows
        guard total >= parallelRows, !larger.isEmpty else {
            return changes(died: died, died.rows.indices, born: born, born.rows.indices, detail: detail)
        }
        // Every row of a model falls in the same half on both sides.
        let pivot = larger[larger.count / 2].model
        let d = died.rows.firstIndex(atOrAfterModel: pivot), b = born.rows.firstIndex(atOrAfterModel: pivot)
        let halves = [(0..<d, 0..<b), (d..<died.rows.count, b..<born.rows.count)]
        let results = concurrentMap(2) { i in changes(died: died, halves[i].0, born: born, halves[i].1, detail: detail) }
        return Result(words: results[0].words.merging(results[1].words) { first, _ in first },
                      counts: results[0].counts.merging(results[1].counts) { first, _ in first })
    }

    /// The changes of the rows `dRange` of `died` and `bRange` of `born`, which hold the same models.
    static func changes(died: WordRows, _ dRange: Range<Int>, born: WordRows, _ bRange: Range<Int>, detail: DiffDetail) -> Result {
        var out = Result()
        let listed = detail == .words
        died.bytes.withUnsafeBufferPointer { d in
            born.bytes.withUnsafeBufferPointer { b in
                // An empty side has no buffer; its rows are empty too, so the pointer is never read.
                let dBase = d.baseAddress ?? UnsafePointer(bitPattern: 1)!
                let bBase = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
                func text(_ base: UnsafePointer<UInt8>, _ offset: Int, _ length: Int32) -> String {
                    String(decoding: UnsafeBufferPointer(start: base + offset, count: Int(length)), as: UTF8.self)
                }
                func word(_ base: UnsafePointer<UInt8>, _ r: WordRows.Row) -> String { text(base, r.start, r.wordLength) }
                func translation(_ base: UnsafePointer<UInt8>, _ r: WordRows.Row) -> Translation {
                    let t = r.start + Int(r.wordLength)
                    return Translation(translation: text(base, t, r.translationLength),
                                       partOfSpeech: r.posLength < 0 ? nil : text(base, t + Int(r.translationLength), r.posLength))
                }
                /// Same translation and part of speech, byte for byte (nil and "" differ).
                func sameContent(_ x: WordRows.Row, _ y: WordRows.Row) -> Bool {
                    guard x.translationLength == y.translationLength, x.posLength == y.posLength else { return false }
                    let n = Int(x.translationLength) + Int(max(0, x.posLength))
                    let xs = x.start + Int(x.wordLength), ys = y.start + Int(y.wordLength)
                    return n == 0 || memcmp(dBase + xs, bBase + ys, n) == 0
                }

                let x = died.rows[dRange], y = born.rows[bRange]
                var i = x.startIndex, j = y.startIndex
                var model: Int64 = 0
                var changes: [WordChange] = []
                var counts = WordCounts()
                // Rows come in model order, so each model's changes are one run: moved, never copied.
                func flush() {
                    if !changes.isEmpty { out.words[model] = changes }
                    if !counts.isEmpty { out.counts[model] = counts }
                    changes = []
                    counts = WordCounts()
                }
                while i < x.endIndex || j < y.endIndex {
                    let c: Int
                    if i == x.endIndex { c = 1 } else if j == y.endIndex { c = -1 } else if x[i].model != y[j].model {
                        c = x[i].model < y[j].model ? -1 : 1
                    } else {
                        c = ByteOrder.compare(dBase + x[i].start, Int(x[i].wordLength), bBase + y[j].start, Int(y[j].wordLength))
                    }
                    let rowModel = c <= 0 ? x[i].model : y[j].model
                    if rowModel != model { flush(); model = rowModel }
                    if c < 0 {
                        counts.count(.removed)
                        if listed { changes.append(WordChange(change: .removed, word: word(dBase, x[i]), old: translation(dBase, x[i]), new: nil)) }
                        i += 1
                    } else if c > 0 {
                        counts.count(.added)
                        if listed { changes.append(WordChange(change: .added, word: word(bBase, y[j]), old: nil, new: translation(bBase, y[j]))) }
                        j += 1
                    } else {
                        if !sameContent(x[i], y[j]) {
                            counts.count(.changed)
                            if listed {
                                changes.append(WordChange(change: .changed, word: word(bBase, y[j]),
                                                          old: translation(dBase, x[i]), new: translation(bBase, y[j])))
                            }
                        }
                        i += 1; j += 1
                    }
                }
                flush()
            }
        }
        return out
    }
}

extension Array where Element == WordRows.Row {
    /// In rows sorted by model: the index of the first row of `model` or a later one (binary search).
    func firstIndex(atOrAfterModel model: Int64) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].model < model { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
