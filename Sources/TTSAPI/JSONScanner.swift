/// Why a hand-written decode (`CustomModel.decodeFast` and its siblings) refused its input.
/// The key is the JSON field name whose value was missing or of the wrong type.
public enum JSONScanError: Error, Sendable, Equatable {
    /// Not RFC 8259 JSON (truncated, trailing garbage, bad escape, invalid UTF-8, nesting too deep, ...).
    case syntax
    case missing(String)
    case wrongType(String)
}

/// A strict, allocation-light JSON reader over raw UTF-8 for the few large bodies of this API.
///
/// Foundation's JSONDecoder needs ~100 ms for a 20,000-entry body; this takes a few. It accepts what
/// JSONDecoder accepts for the shapes read here (raw UTF-8 or `\u` escapes incl. surrogate pairs, unknown
/// keys with any value skipped, `null` for optional fields) and rejects the rest. It is stricter than
/// Foundation (swift-foundation 6.x) only on input that is not RFC 8259 JSON: a trailing comma, and
/// malformed numbers, invalid UTF-8, lone surrogates or raw control characters inside *skipped* values,
/// which Foundation never looks at.
struct JSONScanner {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    /// Nesting of skipped values; Foundation stops at 512 too, and it bounds our recursion.
    private var depth = 0
    private static let maxDepth = 512

    init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    /// Runs `read` on the bytes; `read` must consume one whole document (see ``end()``).
    static func scan<T>(_ bytes: UnsafeRawBufferPointer,
                        _ read: (inout JSONScanner) throws(JSONScanError) -> T) throws(JSONScanError) -> T {
        let result: Result<T, JSONScanError> = bytes.withMemoryRebound(to: UInt8.self) { buffer in
            var s = JSONScanner(buffer)
            do throws(JSONScanError) { return .success(try read(&s)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Only whitespace may follow the top-level value.
    mutating func end() throws(JSONScanError) {
        skipWhitespace()
        guard i == b.count else { throw .syntax }
    }

    // MARK: Containers

    /// Calls `member` for each key with the scanner positioned at the value, which `member` must consume.
    mutating func object(_ member: (inout JSONScanner, String) throws(JSONScanError) -> Void) throws(JSONScanError) {
        skipWhitespace()
        guard next() == UInt8(ascii: "{") else { throw .syntax }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipWhitespace()
            let key = try string()
            skipWhitespace()
            guard next() == UInt8(ascii: ":") else { throw .syntax }
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard let c = next() else { throw .syntax }
            if c == UInt8(ascii: "}") { return }
            guard c == UInt8(ascii: ",") else { throw .syntax }
        }
    }

    /// An array whose elements `element` reads; `null` is nil (as for an Optional in JSONDecoder).
    mutating func optionalArray<T>(_ key: String,
                                   _ element: (inout JSONScanner) throws(JSONScanError) -> T) throws(JSONScanError) -> [T]? {
        if literal("null") { return nil }
        return try array(key, element)
    }

    mutating func array<T>(_ key: String,
                           _ element: (inout JSONScanner) throws(JSONScanError) -> T) throws(JSONScanError) -> [T] {
        guard peek() == UInt8(ascii: "[") else { throw .wrongType(key) }
        i += 1
        var out: [T] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { i += 1; return out }
        while true {
            skipWhitespace()
            out.append(try element(&self))
            skipWhitespace()
            guard let c = next() else { throw .syntax }
            if c == UInt8(ascii: "]") { return out }
            guard c == UInt8(ascii: ",") else { throw .syntax }
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { throw .syntax }  // trailing comma
        }
    }

    /// An object element of an array named `key`; anything else there is a type error, like in JSONDecoder.
    mutating func element(of key: String,
                          _ member: (inout JSONScanner, String) throws(JSONScanError) -> Void) throws(JSONScanError) {
        guard peek() == UInt8(ascii: "{") else {
            if peek() == nil { throw .syntax }
            throw .wrongType(key)
        }
        try object(member)
    }

    // MARK: Strings

    mutating func stringValue(_ key: String) throws(JSONScanError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw peek() == nil ? .syntax : .wrongType(key) }
        return try string()
    }

    mutating func optionalStringValue(_ key: String) throws(JSONScanError) -> String? {
        if literal("null") { return nil }
        return try stringValue(key)
    }

    /// A JSON string at the cursor; raw bytes must be valid UTF-8, escapes are decoded.
    mutating func string() throws(JSONScanError) -> String {
        guard next() == UInt8(ascii: "\"") else { throw .syntax }
        let start = i
        let ascii = try plainRun()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return try escapedString(from: start) }
        let raw = UnsafeBufferPointer(rebasing: b[start..<i])
        i += 1
        // Pure ASCII needs no validation (the generic validating initialiser is the slow part).
        if ascii { return String(decoding: raw, as: UTF8.self) }
        guard let s = String(validating: raw, as: UTF8.self) else { throw .syntax }
        return s
    }

    /// Moves the cursor over a string's bytes up to its closing quote, its first backslash or the end of the
    /// input, refusing raw control characters; true if all of them were ASCII.
    @inline(__always)
    private mutating func plainRun() throws(JSONScanError) -> Bool {
        var high: UInt8 = 0
        while i < b.count {
            if i + 8 <= b.count {
                let v = JSONBytes.load(b.baseAddress!, i)
                if !JSONBytes.hasSpecial(v) {
                    if v & JSONBytes.highs != 0 { high = 0x80 }
                    i += 8
                    continue
                }
            }
            let c = b[i]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw .syntax }
            high |= c
            i += 1
        }
        return high < 0x80
    }

    /// Slow path: the string from `start` has escapes (the cursor is at the first backslash).
    private mutating func escapedString(from start: Int) throws(JSONScanError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(i - start + 32)
        try unescape(from: start, into: &bytes)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .syntax }
        return s
    }

    /// The string value at the cursor appended to `buffer` as UTF-8, checked and unescaped exactly as by
    /// ``string()``, without making a String.
    mutating func stringBytes(_ key: String, into buffer: inout [UInt8]) throws(JSONScanError) {
        guard peek() == UInt8(ascii: "\"") else { throw peek() == nil ? .syntax : .wrongType(key) }
        i += 1
        let start = i
        let ascii = try plainRun()
        if i < b.count, b[i] == UInt8(ascii: "\"") {
            let raw = UnsafeBufferPointer(rebasing: b[start..<i])
            guard ascii || UTF8Check.isValid(raw) else { throw .syntax }
            buffer.append(contentsOf: raw)
            i += 1
            return
        }
        let from = buffer.count
        try unescape(from: start, into: &buffer)
        let valid = buffer.withUnsafeBufferPointer { UTF8Check.isValid(UnsafeBufferPointer(rebasing: $0[from...])) }
        guard valid else { throw .syntax }
    }

    /// Appends the string from `start` (the cursor at its first backslash) to `bytes`, unescaped, through the
    /// closing quote. The caller checks the result is UTF-8.
    private mutating func unescape(from start: Int, into bytes: inout [UInt8]) throws(JSONScanError) {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<i]))
        while true {
            guard let c = next() else { throw .syntax }
            switch c {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard let e = next() else { throw .syntax }
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") else { throw .syntax }
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .syntax }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // A lone low surrogate is no scalar: rejected, as by JSONDecoder.
                    guard let u = Unicode.Scalar(scalar) else { throw .syntax }
                    bytes.append(contentsOf: UTF8.encode(u)!)
                default: throw .syntax
                }
            default:
                if c < 0x20 { throw .syntax }
                // Copy the whole run up to the next quote or backslash at once (phoneme markup is full of `\"`).
                let run = i - 1
                while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<i]))
            }
        }
    }

    private mutating func hex4() throws(JSONScanError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = next() else { throw .syntax }
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw .syntax
            }
            v = v << 4 | d
        }
        return v
    }

    // MARK: Skipping unknown values

    /// Skips any JSON value, checking it as strictly as a known one.
    mutating func skipValue() throws(JSONScanError) {
        skipWhitespace()
        guard let c = peek() else { throw .syntax }
        switch c {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"):
            try nested { (s: inout JSONScanner) throws(JSONScanError) in
                try s.object { (s: inout JSONScanner, _: String) throws(JSONScanError) in try s.skipValue() }
            }
        case UInt8(ascii: "["):
            try nested { (s: inout JSONScanner) throws(JSONScanError) in
                _ = try s.array("") { (s: inout JSONScanner) throws(JSONScanError) in try s.skipValue() }
            }
        case UInt8(ascii: "t"): guard literal("true") else { throw .syntax }
        case UInt8(ascii: "f"): guard literal("false") else { throw .syntax }
        case UInt8(ascii: "n"): guard literal("null") else { throw .syntax }
        default: try skipNumber()
        }
    }

    private mutating func nested(_ body: (inout JSONScanner) throws(JSONScanError) -> Void) throws(JSONScanError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw .syntax }
        try body(&self)
        depth -= 1
    }

    /// RFC 8259 number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func skipNumber() throws(JSONScanError) {
        if peek() == UInt8(ascii: "-") { i += 1 }
        guard let first = peek(), isDigit(first) else { throw .syntax }
        i += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard let d = peek(), isDigit(d) else { throw .syntax }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard let d = peek(), isDigit(d) else { throw .syntax }
            skipDigits()
        }
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let c = peek(), isDigit(c) { i += 1 }
    }

    // MARK: Bytes

    @inline(__always) func peek() -> UInt8? { i < b.count ? b[i] : nil }

    @inline(__always) private mutating func next() -> UInt8? {
        guard i < b.count else { return nil }
        defer { i += 1 }
        return b[i]
    }

    mutating func skipWhitespace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }
}
