import CSQLite
import Foundation

/// An error reported by SQLite: the result code, SQLite's message, and the SQL that failed (if any).
///
/// Never a bare string, so callers can branch on the code (`isBusy`, `isNotADatabase`, ...) and users still
/// read one clear line.
public struct SQLiteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, ...); `primaryCode` masks it to the primary one.
    public let code: Int32
    public let message: String
    public let sql: String?
    /// The database file the failing connection has open (absolute), when known: lets a caller name the file
    /// SQLite found damaged (``isCorrupt``) wherever the error surfaces.
    public let file: String?

    public init(code: Int32, message: String, sql: String? = nil, file: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.file = file
    }

    init(connection: OpaquePointer?, code: Int32, sql: String? = nil) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        self.init(code: code, message: message, sql: sql, file: Self.file(of: connection))
    }

    /// The main database file of a connection; nil for in-memory and temporary databases.
    static func file(of connection: OpaquePointer?) -> String? {
        guard let connection, let name = sqlite3_db_filename(connection, "main") else { return nil }
        let path = String(cString: name)
        return path.isEmpty ? nil : path
    }

    public var primaryCode: Int32 { code & 0xFF }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isNotADatabase: Bool { primaryCode == SQLITE_NOTADB }
    public var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT }
    public var isReadOnly: Bool { primaryCode == SQLITE_READONLY }
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }
    public var isCannotOpen: Bool { primaryCode == SQLITE_CANTOPEN }
    public var isConstraint: Bool { primaryCode == SQLITE_CONSTRAINT }

    public var description: String {
        var text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(code)))): \(message)"
        if let sql {
            let oneLine = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
            text += " [SQL: \(oneLine.count > 200 ? oneLine.prefix(200) + "…" : oneLine[...])]"
        }
        return text
    }
}
