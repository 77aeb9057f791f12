import Foundation
import SQLiteDB

/// Files damaged on purpose, and what SQLite leaves beside a database, for the tests of damaged and foreign files.
public enum DamagedFiles {
    public struct NoLeafPage: Error, CustomStringConvertible {
        public let table: String
        public var description: String { "table \(table) has no leaf page to damage" }
    }

    /// Overwrites the b-tree header of a leaf page of `table` in the middle of the table (not the file header), as
    /// a bad sector would. The database must be closed (its WAL merged).
    public static func damageLeafPage(of table: String, in path: String) throws {
        let page: Int64, pageSize: Int64
        do {
            let db = try Database(path: path, mode: .readOnly)
            let leaves = try db.query("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", table) { $0.int64(0) }
            guard let middle = leaves.dropFirst(leaves.count / 2).first else { throw NoLeafPage(table: table) }
            page = middle
            pageSize = try db.scalar("PRAGMA page_size")
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 64))
        try handle.close()
    }

    /// The files SQLite may leave beside a database (`-wal`, `-shm`, `-journal`), each with its modification time
    /// and size: /dev/null is shared with every other process of the machine (a broken build elsewhere may leave
    /// /dev/null-journal), so tests compare these before and after instead of expecting none.
    public static func sidecars(_ path: String) -> [String] {
        ["-wal", "-shm", "-journal"].compactMap { suffix in
            var info = stat()
            guard stat(path + suffix, &info) == 0 else { return nil }
            return "\(suffix) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_size)"
        }
    }

    public static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
}
