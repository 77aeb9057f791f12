import SQLiteDB
import TTSAPI

/// Where a snapshot keeps the words it will add until its one write transaction: a private temporary database
/// (a file SQLite unlinks at once, so a killed run leaves nothing), so a first snapshot of millions of entries
/// is not held in memory while it is fetched. Used by one task (the snapshot's), never shared.
final class SnapshotStage {
    private let db: Database
    private let put: Statement
    private let get: Statement
    private let delete: Statement

    /// Lists at most this long stay in memory with their plan: a night's changes never touch the stage.
    static let inMemoryLimit = 1024

    init() throws {
        db = try Database(path: "", mode: .readWrite, writeAheadLog: false)
        try db.execute("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE staged (customization_id TEXT PRIMARY KEY, words BLOB NOT NULL) WITHOUT ROWID
            """)
        put = try db.prepare("INSERT OR REPLACE INTO staged (customization_id, words) VALUES (?, ?)")
        get = try db.prepare("SELECT words FROM staged WHERE customization_id = ?")
        delete = try db.prepare("DELETE FROM staged WHERE customization_id = ?")
    }

    /// Keeps `words` for the model (replacing what was kept for it).
    func stage(_ id: String, _ words: [WordEntry]) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 32)
        for w in words {
            Self.append(w.word, to: &bytes)
            Self.append(w.translation, to: &bytes)
            if let p = w.partOfSpeech { Self.append(p, to: &bytes) } else { Self.appendLength(UInt32.max, to: &bytes) }
        }
        try put.run(id, bytes)
    }

    func remove(_ id: String) throws { try delete.run(id) }

    /// The words kept for the model, in the order given.
    func words(_ id: String) throws -> [WordEntry] {
        try get.bind(id)
        defer { get.reset() }
        guard try get.step() else { throw SQLiteError(code: 1, message: "staged words of \(id) missing") }
        return get.withBytes(0) { raw -> [WordEntry] in
            guard let raw, raw.count > 0 else { return [] }
            var out: [WordEntry] = []
            var i = 0
            func next() -> String? {
                let n = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                i += 4
                if n == UInt32.max { return nil }
                defer { i += Int(n) }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[i ..< i + Int(n)]), as: UTF8.self)
            }
            while i < raw.count {
                let word = next() ?? "", translation = next() ?? ""
                out.append(WordEntry(word: word, translation: translation, partOfSpeech: next()))
            }
            return out
        }
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        appendLength(UInt32(text.utf8.count), to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    private static func appendLength(_ n: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: n.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
