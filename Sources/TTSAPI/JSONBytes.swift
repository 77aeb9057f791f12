/// Eight bytes at a time over JSON string contents: most words and translations have no byte that needs an
/// escape, and testing a whole word at once is several times cheaper than testing each byte.
public enum JSONBytes {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Does any of the eight bytes in `v` end or escape a JSON string, or is it a control character: `"`, `\`,
    /// or below 0x20? (Exact: the bit tricks give no false positives for "any".)
    @inlinable @inline(__always)
    static func hasSpecial(_ v: UInt64) -> Bool {
        let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (v &- ones &* 0x20) & ~v
        return (zeroQuote | zeroBackslash | control) & highs != 0
    }

    /// The eight bytes at `p + i` (unaligned).
    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
        UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
    }

    /// The most bytes ``writeQuoted(_:to:)`` writes for `n` bytes of text: quotes, and six (`\u00xx`) per byte.
    @inlinable
    public static func quotedBound(_ n: Int) -> Int { 2 + 6 * n }

    /// Writes `text` at `out` as a JSON string, quoted and escaped as `JSONEncoder` escapes (`"`, `\\`, control
    /// characters; `\b \f \n \r \t` short, the rest as lowercase `\u00xx`; never `/`). `text` must be valid
    /// UTF-8 and `out` must have room for `quotedBound(text.count)` bytes. Returns the bytes written.
    @inlinable
    public static func writeQuoted(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\"")
        var o = 1
        if let p = text.baseAddress {
            let n = text.count
            var start = 0, i = 0
            while i < n {
                if i + 8 <= n, !hasSpecial(load(p, i)) {
                    i += 8
                    continue
                }
                let b = p[i]
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                    (out + o).update(from: p + start, count: i - start)
                    o += i - start
                    o += writeEscape(b, to: out + o)
                    start = i + 1
                }
                i += 1
            }
            (out + o).update(from: p + start, count: n - start)
            o += n - start
        }
        out[o] = UInt8(ascii: "\"")
        return o + 1
    }

    /// The escape sequence of `b` (a quote, a backslash or a control character) at `out`; returns its length.
    @inlinable
    static func writeEscape(_ b: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\\")
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out[1] = b
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x0C: out[1] = UInt8(ascii: "f")
        default:
            func hex(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }
            out[1] = UInt8(ascii: "u"); out[2] = 48; out[3] = 48; out[4] = hex(b >> 4); out[5] = hex(b & 0xF)
            return 6
        }
        return 2
    }
}
