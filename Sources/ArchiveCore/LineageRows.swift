// Step 1 of the diff pipeline (rows read); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import Foundation
import SQLiteDB
import TTSAPI

/// The word rows that differ between two snapshots of one lineage: those valid in the older one that ended by
/// the newer (`died`), and those born after the older one and still valid in the newer (`born`), each sorted
/// by model and word. SQLite spends most of a long-range diff looking rows up one by one through the index
/// of ended rows, so a large range is read on several connections at once: the born rows, and the ended rows
/// split by the snapshot that ended them into pieces that give every core the same work (`endedPieces`);
/// when a large share of the archive ended in the range, the ended rows are found by scanning the table in
/// two pieces instead. The words of a model removed in the range are not ended rows (``WordRowEnds``): they are
/// read through the index of open rows, one seek per model, by the piece of the snapshot that removed the model
/// (the split prices them so).
struct LineageRows {
    let db: Database
    let lo: Int64, hi: Int64
    private let loEnd: Int64, hiEnd: Int64
    /// Rows each snapshot of this lineage in (lo, hi] ended (removed and changed words, those of removed models
    /// too), and what reading them costs, in lookups of a scattered row (see `removedModelRowCost`).
    private let ended: [(id: Int64, rows: Int, cost: Double)]
    private let endedTotal: Int
    private let endedCost: Double
    private let largeRows: Int
    /// Models of this lineage removed in (lo, hi], with the snapshot that removed each
    /// (``WordRowEnds/removed(from:to:on:)``): their rows still open ended with them.
    private let removedModels: [(model: Int64, end: Int64)]

    /// `largeRows` is `parallelRows` but in tests.
    init(db: Database, from lo: Int64, to hi: Int64, largeRows: Int = Self.parallelRows) throws {
        self.db = db
        self.largeRows = largeRows
        self.lo = lo
        self.hi = hi
        loEnd = try db.scalar("SELECT word_id_end FROM snapshots WHERE id = ?", lo)
        hiEnd = try db.scalar("SELECT word_id_end FROM snapshots WHERE id = ?", hi)
        let counts = try db.query("""
            SELECT id, words_removed, words_changed, models_removed FROM snapshots
            WHERE id > ?1 AND id <= ?2 AND source = (SELECT source FROM snapshots WHERE id = ?1) ORDER BY id
            """, lo, hi) { (id: $0.int64(0), removed: $0.int(1), changed: $0.int(2), modelsRemoved: $0.int(3)) }
        // A snapshot that removed models also removed their words, all at once; its other removals are taken to
        // be as many as on a usual night of the range (the median of the nights that removed no model).
        let usual = counts.filter { $0.modelsRemoved == 0 }.map(\.removed).sorted()
        let singles = usual.isEmpty ? 0 : usual[usual.count / 2]
        ended = counts.map { c in
            let ofModels = c.modelsRemoved > 0 ? max(0, c.removed - singles) : 0
            return (c.id, c.removed + c.changed, Double(c.removed + c.changed - ofModels) + Self.removedModelRowCost * Double(ofModels))
        }
        endedTotal = ended.reduce(0) { $0 + $1.rows }
        endedCost = ended.reduce(0) { $0 + $1.cost }
        removedModels = try WordRowEnds.removed(from: lo, to: hi, on: db)
    }

    /// Below this many changed rows (estimated from the snapshots' counts) threads cost more than they save.
    static let parallelRows = 20_000

    /// Enough rows to read them on several connections (and through the memory map).
    var isLarge: Bool { endedTotal + Int(hiEnd - loEnd) >= largeRows && ended.count >= 2 }

    /// Looking a row up through the index of ended rows costs about four times as much as stepping over one in a
    /// scan of the table: when more than this share of the rows written by `hi` ended in the range, scanning is cheaper.
    static let scanShare = 0.25

    /// A large range whose ended rows are found by scanning the table.
    var scansTable: Bool { isLarge && Double(endedTotal) > Self.scanShare * Double(hiEnd) }

    /// The rows that ended (`died`, in `diedPieces`, each sorted by model and word) and were born (`born`, sorted).
    func read(cores: Int = ProcessInfo.processInfo.activeProcessorCount) throws
        -> (died: PackedWords, diedPieces: [Range<Int>], born: PackedWords) {
        var jobs: [Job]
        if !isLarge {
            jobs = [.born(loEnd, hiEnd), .died(lo, hi)]
        } else if scansTable {
            jobs = [.born(loEnd, hiEnd), .diedScan(0, hiEnd / 2), .diedScan(hiEnd / 2, hiEnd)]
        } else {
            jobs = [.born(loEnd, hiEnd)] + endedPieces(cores: cores).map { .died($0.0, $0.1) }
        }
        let parallel = jobs.count > 2
        // A scan finds ended rows only; the pieces of the index read the removed models' rows themselves.
        if scansTable, !removedModels.isEmpty { jobs.append(.diedWithModels(removedModels.map(\.model))) }
        var results = try run(jobs, parallel: parallel)
        let born = results.removeFirst()
        let died = PackedWords.joined(results)
        return (died.rows, died.pieces, born)
    }

    /// What reading a row costs against looking up a scattered ended row (a changed or removed word): traced
    /// after 30 nights of the medium archive, ~2.6 us a scattered row with our copy and sort, ~0.7 us a born row
    /// (a step of a scan of consecutive ids), and in the `sqlite3` shell a tenth to a seventh of a scattered row
    /// for a row of a removed model (written together, their lookups fall on consecutive ids).
    static let bornRowCost = 0.25
    static let removedModelRowCost = 0.1

    /// The ranges (after, upTo] of snapshots whose ended rows make one job each, so that `cores` threads finish
    /// together. The jobs run in order, each on the next free thread: the born rows first, then `cores - 1`
    /// pieces of a core's share, then what remains, which goes to the thread that read the born rows, the
    /// first to finish. Pieces are whole snapshots, so a short range may give fewer. At most 8 threads: each
    /// needs a connection of its own, opened one after another.
    func endedPieces(cores: Int) -> [(Int64, Int64)] {
        let threads = min(8, max(2, cores))
        let bornWork = Self.bornRowCost * Double(hiEnd - loEnd)
        let share = (bornWork + endedCost) / Double(threads)
        // The born rows alone are a share or more: the ended rows go to the other threads equally.
        let sizes = bornWork >= share
            ? Array(repeating: endedCost / Double(threads - 1), count: threads - 1)
            : Array(repeating: share, count: threads - 1) + [share - bornWork]
        var pieces: [(Int64, Int64)] = []
        var start = lo, sum = 0.0, goal = 0.0, next = 0
        for e in ended {
            sum += e.cost
            if next < sizes.count - 1, sum >= goal + sizes[next] {
                goal += sizes[next]
                next += 1
                pieces.append((start, e.id))
                start = e.id
            }
        }
        if start < hi { pieces.append((start, hi)) }
        return pieces
    }

    enum Job: Sendable {
        /// Rows with ids in [start, end) (written after `lo`) that are valid at `hi`.
        case born(Int64, Int64)
        /// Rows valid at `lo` whose validity ended in (after, upTo], found through the index of ended rows, and
        /// the rows still open of the models removed in (after, upTo].
        case died(Int64, Int64)
        /// Rows valid at `lo` whose validity ended by `hi`, found by scanning the rows with ids in [start, end).
        case diedScan(Int64, Int64)
        /// The rows still open of these models, removed in (lo, hi], that were valid at `lo`.
        case diedWithModels([Int64])
    }

    /// Bytes of text per row to reserve room for: most rows take less (a short word and translation); a row that
    /// takes more only makes the buffer grow.
    static let reservedRowBytes = 48

    /// At most how many rows `job` reads, from the snapshots' counts.
    private func rowBound(_ job: Job) -> Int {
        switch job {
        case let .born(start, end): Int(end - start)
        case let .died(after, upTo): ended.reduce(0) { $0 + ($1.id > after && $1.id <= upTo ? $1.rows : 0) }
        case .diedScan: endedTotal
        case .diedWithModels: 0
        }
    }

    private func rows(_ job: Job, on db: Database) throws -> PackedWords {
        var rows = PackedWords()
        // Room for every row up front: growing by doubling copied the buffers and faulted in their pages again.
        // The first piece of ended rows gets room for all of them: the others' bytes join it (`joined`).
        let bound = if case .died(lo, _) = job { endedTotal } else { rowBound(job) }
        rows.reserveCapacity(entries: bound, bytes: bound * Self.reservedRowBytes)
        switch job {
        case let .born(start, end):
            // A model removed by `hi` (and not back) has no row valid at `hi`: those still open ended with it.
            // Skipped as they are read: a condition in the query cost a third of this job's time.
            try rows.read(try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words
                WHERE id >= ?1 AND id < ?2 AND valid_from > ?3 AND valid_from <= ?4 AND valid_to > ?4
                """).bind(start, end, lo, hi), skipping: Set(removedModels.map(\.model)))
        case let .died(after, upTo):
            try rows.read(try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words
                WHERE valid_to <> \(SnapshotWriter.open) AND valid_to > ?1 AND valid_to <= ?2 AND valid_from <= ?3
                """).bind(after, upTo, lo))
            let models = removedModels.filter { $0.end > after && $0.end <= upTo }.map(\.model)
            if !models.isEmpty { try readOpenRows(of: models, into: &rows, on: db) }
        case let .diedScan(start, end):
            try rows.read(try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words NOT INDEXED
                WHERE id >= ?1 AND id < ?2 AND valid_to > ?3 AND valid_to <= ?4 AND valid_from <= ?3
                """).bind(start, end, lo, hi))
        case let .diedWithModels(models):
            try readOpenRows(of: models, into: &rows, on: db)
        }
        rows.sortByKeyAndWord()
        return rows
    }

    /// The rows still open of removed `models` that were valid at `lo`.
    private func readOpenRows(of models: [Int64], into rows: inout PackedWords, on db: Database) throws {
        let statement = try db.prepare("""
            SELECT model, word, translation, part_of_speech FROM words
            WHERE valid_to = \(SnapshotWriter.open) AND model = ?1 AND valid_from <= ?2
            """)
        for model in models { try rows.read(try statement.bind(model, lo)) }
    }

    private func run(_ jobs: [Job], parallel: Bool) throws -> [PackedWords] {
        try db.readConcurrently(jobs, width: parallel ? ProcessInfo.processInfo.activeProcessorCount : 1) { job, db in try rows(job, on: db) }
    }
}
