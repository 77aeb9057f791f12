/// Text that came from the service or an imported file (names, words, translations, descriptions, notes, tags,
/// service messages) as it is printed for people. Such text may hold ESC, BEL, CR, LF, NUL and the like, which a
/// terminal would obey (move the cursor, rewrite a line, change the title, reorder a line) or which would break
/// a table or a diff's lines. Every human-readable output escapes them here, one way everywhere, as Swift writes
/// them in a string literal: `\0`, `\t`, `\n`, `\r`, else `\u{1B}` (hex). Escaped: every control character
/// (C0, DEL, C1), the line and paragraph separators U+2028/U+2029, the bidirectional marks and overrides
/// (U+061C, U+200E/F, U+202A-E, U+2066-9) and the invisible U+200B, U+2060, U+FEFF. Joiners (U+200C/D) stay: real
/// text needs them. A backslash is printed as it is, so escaping twice changes nothing (text a lower layer
/// already escaped passes unchanged) and the literal text `\n` looks like an escaped line feed: `--json`, never
/// escaped beyond JSON's own rules, tells them apart.
enum TerminalText {
    /// Whether `scalar` is printed escaped.
    static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200B, 0x200E, 0x200F, 0x2028...0x202E, 0x2060, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// `text` with every escaped scalar written out; `text` itself (no copy) when it has none.
    static func escape(_ text: String) -> String {
        var text = text
        let clean = text.withUTF8 { !needsEscape(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        if clean { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if isEscaped(scalar) { out += written(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `text` escaped, between double quotes (a name or value in a line of other words).
    static func quoted(_ text: String) -> String { "\"" + escape(text) + "\"" }

    private static func written(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\0": "\\0"
        case "\t": "\\t"
        case "\n": "\\n"
        case "\r": "\\r"
        default: "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }

    /// Whether UTF-8 `bytes` hold a scalar that ``isEscaped(_:)``: eight bytes at a time while they are plain
    /// printable ASCII (most words), else byte by byte, looking past a lead byte only where an escaped scalar
    /// can start (C2 for C1, D8 for U+061C, E2 for U+200B-U+2069, EF for U+FEFF).
    static func needsEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
                // A byte below 0x20, a byte 0x7F (x ^ 0x7F has a zero byte), or a byte 0x80 and above.
                let below = (x &- ones &* 0x20) & ~x & high
                let del = ((x ^ (ones &* 0x7F)) &- ones) & ~(x ^ (ones &* 0x7F)) & high
                if (below | del | (x & high)) == 0 {
                    i += 8
                    continue
                }
            }
            let c = base[i]
            if c < 0x20 || c == 0x7F { return true }
            func at(_ k: Int) -> UInt8 { i + k < n ? base[i + k] : 0 }
            switch c {
            case 0xC2: if (0x80...0x9F).contains(at(1)) { return true }
            case 0xD8: if at(1) == 0x9C { return true }
            case 0xE2:
                let b1 = at(1), b2 = at(2)
                if b1 == 0x80, b2 == 0x8B || b2 == 0x8E || b2 == 0x8F || (0xA8...0xAE).contains(b2) { return true }
                if b1 == 0x81, b2 == 0xA0 || (0xA6...0xA9).contains(b2) { return true }
            case 0xEF: if at(1) == 0xBB, at(2) == 0xBF { return true }
            default: break
            }
            i += 1
        }
        return false
    }

    /// Whether every byte is printable ASCII (0x20-0x7E), eight at a time: most words and translations are.
    @inline(__always)
    static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        // A byte above 0x7E, or below 0x20 (exact as "any": a false mark only follows a true one).
        @inline(__always) func marks(_ at: Int) -> UInt64 {
            let x = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)
            return ((x &+ ones) | x | ((x &- ones &* 0x20) & ~x)) & high
        }
        if n < 8 {
            for i in 0..<n where base[i] < 0x20 || base[i] > 0x7E { return false }
            return true
        }
        var i = 0, bad: UInt64 = 0
        while i + 8 <= n {
            bad |= marks(i)
            i += 8
        }
        if i < n { bad |= marks(n - 8) }  // the last bytes, overlapping the step before
        return bad == 0
    }

    /// Appends UTF-8 `bytes` to `out`, escaped. Printable ASCII is appended as it is, without making a String.
    @inline(__always)
    static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if isPlainASCII(bytes) || !needsEscape(bytes) {
            out.append(contentsOf: bytes)
        } else {
            out.append(contentsOf: escape(String(decoding: bytes, as: UTF8.self)).utf8)
        }
    }

    /// As ``append(_:to:)``, returning how many characters the bytes print as (for alignment).
    @inline(__always)
    static func appendCounting(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Int {
        if isPlainASCII(bytes) {
            out.append(contentsOf: bytes)
            return bytes.count
        }
        if !needsEscape(bytes) {
            out.append(contentsOf: bytes)
            return String(decoding: bytes, as: UTF8.self).count
        }
        let escaped = escape(String(decoding: bytes, as: UTF8.self))
        out.append(contentsOf: escaped.utf8)
        return escaped.count
    }

    /// How many characters UTF-8 `bytes` print as once escaped.
    static func width(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if isPlainASCII(bytes) { return bytes.count }
        return needsEscape(bytes) ? escape(String(decoding: bytes, as: UTF8.self)).count : String(decoding: bytes, as: UTF8.self).count
    }
}
