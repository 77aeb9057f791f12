/// Eight bytes at a time over JSON string contents: most words and translations have no byte that needs an
/// escape, and testing a whole word at once is several times cheaper than testing each byte.
@usableFromInline
enum JSONBytes {
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
}
