import SQLiteDB
import TTSAPI

/// The word rows that differ between two snapshots of one lineage: those valid in the older one that ended by
/// the newer (`died`), and those born after the older one and still valid in the newer (`born`), each sorted
/// by model and word. SQLite spends most of a long-range diff looking rows up one by one through the index
/// of ended rows, so a large range is read on three connections at once (born, and the ended rows split in
/// two halves of about equal size); when a large share of the archive ended in the range, the ended rows are
/// found by scanning the table in two halves instead.
struct LineageRows {
    let db: Database
    let lo: Int64, hi: Int64
    private let loEnd: Int64, hiEnd: Int64
    /// Rows each snapshot of this lineage in (lo, hi] ended (removed and changed words, those of removed models too).
    private let ended: [(id: Int64, rows: Int)]
    private let endedTotal: Int

    init(db: Database, from lo: Int64, to hi: Int64) throws {
        self.db = db
        self.lo = lo
        self.hi = hi
        loEnd = try db.scalar("SELECT word_id_end FROM snapshots WHERE id = ?", lo)
        hiEnd = try db.scalar("SELECT word_id_end FROM snapshots WHERE id = ?", hi)
        ended = try db.query("""
            SELECT id, words_removed + words_changed FROM snapshots
            WHERE id > ?1 AND id <= ?2 AND source = (SELECT source FROM snapshots WHERE id = ?1) ORDER BY id
            """, lo, hi) { (id: $0.int64(0), rows: $0.int(1)) }
        endedTotal = ended.reduce(0) { $0 + $1.rows }
    }

    /// Below this many changed rows (estimated from the snapshots' counts) threads cost more than they save.
    static let parallelRows = 20_000

    /// Enough rows to read them on several connections (and through the memory map).
    var isLarge: Bool { endedTotal + Int(hiEnd - loEnd) >= Self.parallelRows && ended.count >= 2 }

    /// Looking a row up through the index of ended rows costs about four times as much as stepping over one in a
    /// scan of the table: when more than this share of the rows written by `hi` ended in the range, scanning is cheaper.
    static let scanShare = 0.25

    func read() throws -> (died: WordRows, born: WordRows) {
        let jobs: [Job]
        if !isLarge {
            jobs = [.born(loEnd, hiEnd), .died(lo, hi)]
        } else if Double(endedTotal) > Self.scanShare * Double(hiEnd) {
            jobs = [.born(loEnd, hiEnd), .diedScan(0, hiEnd / 2), .diedScan(hiEnd / 2, hiEnd)]
        } else {
            var sum = 0, mid = ended[0].id
            for e in ended where sum < endedTotal / 2 { sum += e.rows; mid = e.id }
            jobs = mid == hi ? [.born(loEnd, hiEnd), .died(lo, hi)] : [.born(loEnd, hiEnd), .died(lo, mid), .died(mid, hi)]
        }
        let results = try run(jobs, parallel: jobs.count > 2)
        let born = results[0]
        let died = results.count == 2 ? results[1] : WordRows.merged(results[1], results[2])
        return (died, born)
    }

    enum Job: Sendable {
        /// Rows with ids in [start, end) (written after `lo`) that are valid at `hi`.
        case born(Int64, Int64)
        /// Rows valid at `lo` whose validity ended in (after, upTo], found through the index of ended rows.
        case died(Int64, Int64)
        /// Rows valid at `lo` whose validity ended by `hi`, found by scanning the rows with ids in [start, end).
        case diedScan(Int64, Int64)
    }

    private func rows(_ job: Job, on db: Database) throws -> WordRows {
        var rows = WordRows()
        switch job {
        case let .born(start, end):
            try rows.read(try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words
                WHERE id >= ?1 AND id < ?2 AND valid_from > ?3 AND valid_from <= ?4 AND valid_to > ?4
                """).bind(start, end, lo, hi))
        case let .died(after, upTo):
            try rows.read(try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words
                WHERE valid_to <> \(SnapshotWriter.open) AND valid_to > ?1 AND valid_to <= ?2 AND valid_from <= ?3
                """).bind(after, upTo, lo))
        case let .diedScan(start, end):
            try rows.read(try db.prepare("""
                SELECT model, word, translation, part_of_speech FROM words NOT INDEXED
                WHERE id >= ?1 AND id < ?2 AND valid_to > ?3 AND valid_to <= ?4 AND valid_from <= ?3
                """).bind(start, end, lo, hi))
        }
        rows.sort()
        return rows
    }

    private func run(_ jobs: [Job], parallel: Bool) throws -> [WordRows] {
        try db.readConcurrently(jobs, parallel: parallel) { job, db in try rows(job, on: db) }
    }
}

extension WordRows {
    /// Two sorted row sets as one (a linear merge; bytes of `b` follow those of `a`).
    static func merged(_ a: WordRows, _ b: WordRows) -> WordRows {
        var out = WordRows()
        out.bytes = a.bytes + b.bytes
        out.rows.reserveCapacity(a.rows.count + b.rows.count)
        let shift = a.bytes.count
        out.bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var i = 0, j = 0
            while i < a.rows.count || j < b.rows.count {
                var takeA = j == b.rows.count
                if !takeA, i < a.rows.count {
                    let x = a.rows[i], y = b.rows[j]
                    takeA = x.model != y.model ? x.model < y.model
                        : ByteOrder.compare(base + x.start, Int(x.wordLength), base + shift + y.start, Int(y.wordLength)) <= 0
                }
                if takeA {
                    out.rows.append(a.rows[i]); i += 1
                } else {
                    var y = b.rows[j]; y.start += shift
                    out.rows.append(y); j += 1
                }
            }
        }
        return out
    }
}
