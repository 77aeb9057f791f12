/// UTF-8 validation with the rules of `String(validating:)` (no overlong forms, no surrogates, nothing past
/// U+10FFFF), without making a String.
public enum UTF8Check {
    /// Whether any byte is 0x80 or above.
    public static func hasNonASCII(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = p.count
        var i = 0, high: UInt64 = 0
        while i + 8 <= n {
            high |= UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        while i < n { high |= UInt64(p[i]); i += 1 }
        return high & 0x8080_8080_8080_8080 != 0
    }

    public static func isValid(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = p.count
        var i = 0
        while i < n {
            // Eight ASCII bytes at a time: most words and translations are ASCII.
            if i + 8 <= n, UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            @inline(__always) func cont(_ k: Int) -> UInt8? { i + k < n && p[i + k] & 0xC0 == 0x80 ? p[i + k] : nil }
            switch c {
            case 0xC2...0xDF:
                guard cont(1) != nil else { return false }
                i += 2
            case 0xE0...0xEF:
                guard let c1 = cont(1), cont(2) != nil else { return false }
                if c == 0xE0 && c1 < 0xA0 || c == 0xED && c1 > 0x9F { return false }
                i += 3
            case 0xF0...0xF4:
                guard let c1 = cont(1), cont(2) != nil, cont(3) != nil else { return false }
                if c == 0xF0 && c1 < 0x90 || c == 0xF4 && c1 > 0x8F { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
