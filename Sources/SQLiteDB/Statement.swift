import CSQLite

/// A prepared statement. Bind parameters (1-based, as in SQLite), step through rows, read typed columns
/// (0-based). Reusable after `reset()`; finalized when released.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    private unowned let database: Database

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw SQLiteError(connection: database.handle, code: rc, sql: sql)
        }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding

    /// Binds `values` to parameters 1...n, after a reset, replacing earlier bindings.
    @discardableResult
    public func bind(_ values: [DatabaseValueConvertible?]) throws -> Statement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() {
            try bind(value?.databaseValue ?? .null, at: Int32(i + 1))
        }
        return self
    }

    @discardableResult
    public func bind(_ values: DatabaseValueConvertible?...) throws -> Statement { try bind(values) }

    /// Binds one value to a named parameter such as `:name`.
    public func bind(_ value: DatabaseValueConvertible?, named name: String) throws {
        let index = sqlite3_bind_parameter_index(handle, name)
        guard index > 0 else {
            throw SQLiteError(code: SQLITE_RANGE, message: "no parameter named \(name)", sql: sql)
        }
        try bind(value?.databaseValue ?? .null, at: index)
    }

    public func bind(_ value: DatabaseValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let v):
            // Explicit byte count: text may contain NUL and must round-trip exactly.
            // An empty string has no buffer; a NULL pointer would bind SQL NULL, so bind "" explicitly.
            var copy = v
            rc = copy.withUTF8 { buf in
                guard let base = buf.baseAddress, buf.count > 0 else {
                    return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(buf.count), SQLITE_TRANSIENT)
                }
            }
        case .blob(let v):
            rc = v.withUnsafeBytes { buf in
                sqlite3_bind_blob(handle, index, buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buf.count), SQLITE_TRANSIENT)
            }
        }
        guard rc == SQLITE_OK else { throw SQLiteError(connection: database.handle, code: rc, sql: sql) }
    }

    /// Binds one text (nil: NULL) to the parameter at `index` (1-based), without boxing it in a
    /// ``DatabaseValue``: for loops that insert many rows, binding only the columns that change (bindings stay
    /// across ``runBound()``).
    public func bind(text: String?, at index: Int32) throws {
        guard var text else { return try check(sqlite3_bind_null(handle, index)) }
        let rc = text.withUTF8 { buf in
            guard let base = buf.baseAddress, buf.count > 0 else { return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT) }
            return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                sqlite3_bind_text(handle, index, $0, Int32(buf.count), SQLITE_TRANSIENT)
            }
        }
        try check(rc)
    }

    public func bind(int64 value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Runs the statement to completion with its current bindings, then resets it, keeping the bindings.
    public func runBound() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else { throw SQLiteError(connection: database.handle, code: rc, sql: sql) }
    }

    // MARK: Stepping

    /// Advances to the next row; `false` when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(connection: database.handle, code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to completion (for INSERT/UPDATE/DELETE), with the given bindings if any.
    public func run(_ values: DatabaseValueConvertible?...) throws {
        if !values.isEmpty { try bind(values) } else { sqlite3_reset(handle) }
        while try step() {}
        sqlite3_reset(handle)
    }

    public func reset() { sqlite3_reset(handle) }

    // MARK: Columns

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func columnName(_ index: Int) -> String {
        String(cString: sqlite3_column_name(handle, Int32(index)))
    }

    public func isNull(_ index: Int) -> Bool { sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL }

    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }
    public func int(_ index: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(index))) }
    public func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    /// The column as UTF-8 text, byte-exact (embedded NUL kept); `nil` for NULL.
    public func text(_ index: Int) -> String? {
        let i = Int32(index)
        guard sqlite3_column_type(handle, i) != SQLITE_NULL, let p = sqlite3_column_text(handle, i) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Appends the column's bytes (text or blob, byte-exact) to `buffer` without building a String; returns their
    /// count, or nil for NULL. For readers of many rows that keep only a few as values.
    public func appendBytes(_ index: Int, to buffer: inout [UInt8]) -> Int? {
        withBytes(index) { bytes in
            guard let bytes else { return nil }
            buffer.append(contentsOf: bytes)
            return bytes.count
        }
    }

    /// Calls `body` with the column's bytes (text or blob, byte-exact), nil for NULL, without copying them. The
    /// pointer is SQLite's and is valid only inside `body` (other columns of the row may be read meanwhile).
    public func withBytes<R>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        let i = Int32(index)
        guard sqlite3_column_type(handle, i) != SQLITE_NULL else { return try body(nil) }
        // sqlite3_column_blob first, then _bytes: the order SQLite documents for a stable pointer and length.
        guard let p = sqlite3_column_blob(handle, i) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(handle, i))))
    }

    public func blob(_ index: Int) -> [UInt8]? {
        let i = Int32(index)
        guard sqlite3_column_type(handle, i) != SQLITE_NULL else { return nil }
        let n = Int(sqlite3_column_bytes(handle, i))
        guard n > 0, let p = sqlite3_column_blob(handle, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    public func value(_ index: Int) -> DatabaseValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(text(index) ?? "")
        case SQLITE_BLOB: return .blob(blob(index) ?? [])
        default: return .null
        }
    }

    /// The column converted to `T`; throws when the stored value does not fit (e.g. NULL into `String`).
    public func column<T: DatabaseValueConvertible>(_ index: Int, as type: T.Type = T.self) throws -> T {
        let v = value(index)
        guard let converted = T.fromDatabaseValue(v) else {
            throw SQLiteError(code: SQLITE_MISMATCH, message: "column \(index) (\(columnName(index))) holds \(v), not \(T.self)", sql: sql)
        }
        return converted
    }

    /// Calls `body` for each remaining row.
    public func forEachRow(_ body: (Statement) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while try step() { try body(self) }
    }

    /// Maps each remaining row.
    public func map<T>(_ transform: (Statement) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEachRow { out.append(try transform($0)) }
        return out
    }
}
