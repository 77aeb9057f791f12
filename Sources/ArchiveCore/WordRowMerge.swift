// Step 2 of the diff pipeline (merged); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import Foundation
import TTSAPI

/// The word differences of one lineage between two snapshots, from the rows that ended (`died`, valid in the
/// older) and started (`born`, valid in the newer): a merge of sorted lists (`died` may be several sorted pieces,
/// one per piece read), whose changes point into them.
enum WordRowMerge {
    /// The changed words of each model (none with `.counts`) and their numbers.
    struct Result {
        var words: [Int64: WordChanges] = [:]
        var counts: [Int64: WordCounts] = [:]
    }

    /// Above this many rows the models are merged in two pieces, on two threads.
    static let parallelRows = 20_000

    /// `diedPieces`: the sorted pieces of `died` (nil: all of it is one).
    static func changes(died: PackedWords, diedPieces: [Range<Int>]? = nil, born: PackedWords, detail: DiffDetail = .words) -> Result {
        let listed = detail == .words
        let whole = [Piece(died: diedPieces ?? [0..<died.count], born: 0..<born.count)]
        let pieces = died.count + born.count >= parallelRows ? split(whole[0], died, born) : whole
        let merged = pieces.count == 1
            ? [merge(died, pieces[0].died, born, pieces[0].born, listed: listed)]
            : concurrentMap(2) { merge(died, pieces[$0].died, born, pieces[$0].born, listed: listed) }
        var out = Result()
        let sides = WordChanges.Sides(old: died, new: born)
        for piece in merged {
            for (n, model) in piece.models.enumerated() {
                out.counts[model.model] = model.counts
                if listed {
                    let end = n + 1 < piece.models.count ? piece.models[n + 1].start : piece.records.count
                    out.words[model.model] = WordChanges(sides: sides, records: piece.records[model.start..<end])
                }
            }
        }
        return out
    }

    /// Rows of some models: a range of each died piece and of the born rows.
    struct Piece: Sendable {
        var died: [Range<Int>]
        var born: Range<Int>
    }

    /// Two pieces of `all`, split at a model near the middle of its longest list (every row of a model falls in
    /// the same piece).
    static func split(_ all: Piece, _ died: PackedWords, _ born: PackedWords) -> [Piece] {
        let lists = all.died.map { (died.spans, $0) } + [(born.spans, all.born)]
        let (rows, longest) = lists.max { $0.1.count < $1.1.count }!
        guard !longest.isEmpty else { return [all] }
        let pivot = rows[longest.lowerBound + longest.count / 2].key
        let d = all.died.map { died.spans.firstIndex(atOrAfterModel: pivot, in: $0) }
        let b = born.spans.firstIndex(atOrAfterModel: pivot, in: all.born)
        return [Piece(died: zip(all.died, d).map { $0.lowerBound..<$1 }, born: all.born.lowerBound..<b),
                Piece(died: zip(all.died, d).map { $1..<$0.upperBound }, born: b..<all.born.upperBound)]
    }

    /// The changes of models whose rows are `diedPieces` (each sorted) and `bornRange`: one array of records for
    /// every model, each model's changes a contiguous range of it.
    private static func merge(_ died: PackedWords, _ diedPieces: [Range<Int>], _ born: PackedWords, _ bornRange: Range<Int>, listed: Bool)
        -> (records: [WordChanges.Record], models: [(model: Int64, start: Int, counts: WordCounts)]) {
        var records: [WordChanges.Record] = []
        // Room for the most changes there can be: growing by doubling copied the records and faulted in pages.
        if listed { records.reserveCapacity(diedPieces.reduce(bornRange.count) { $0 + $1.count }) }
        var models: [(model: Int64, start: Int, counts: WordCounts)] = []
        died.withRows { x in
            born.withRows { y in
                // The next row of each died piece; the least of them is the next died row.
                var heads = diedPieces.map(\.lowerBound)
                let ends = diedPieces.map(\.upperBound)
                func nextDied() -> Int? {
                    var best: Int?
                    for k in heads.indices where heads[k] < ends[k] {
                        if best == nil || x.compare(heads[k], x, heads[best!]) < 0 { best = k }
                    }
                    return best
                }
                var j = bornRange.lowerBound
                var model: Int64 = 0, start = 0
                var counts = WordCounts()
                func flush() {
                    if !counts.isEmpty { models.append((model, start, counts)) }
                    start = records.count
                    counts = WordCounts()
                }
                func record(_ change: ChangeKind, _ old: Int, _ new: Int) {
                    counts.count(change)
                    if listed { records.append(WordChanges.Record(change: change, old: Int32(old), new: Int32(new))) }
                }
                var k = nextDied()
                while k != nil || j < bornRange.upperBound {
                    let i = k.map { heads[$0] } ?? -1
                    let c = k == nil ? 1 : (j == bornRange.upperBound ? -1 : x.compare(i, y, j))
                    let rowModel = c <= 0 ? x.model(i) : y.model(j)
                    if rowModel != model { flush(); model = rowModel }
                    if c > 0 {
                        record(.added, -1, j); j += 1
                        continue
                    }
                    if c < 0 {
                        record(.removed, i, -1)
                    } else {
                        if !x.sameContent(i, y, j) { record(.changed, i, j) }
                        j += 1
                    }
                    heads[k!] += 1
                    k = nextDied()
                }
                flush()
            }
        }
        return (records, models)
    }
}
