import Foundation

/// Byte-wise comparison of UTF-8 text. Swift's `==` on String uses canonical equivalence (precomposed `é`
/// equals `e` + combining accent); the archive, the emulator and the service's word order (UTF-8 byte order)
/// all keep such entries apart. memcmp over contiguous UTF-8: no copies, no generic element loop.
public enum ByteOrder {
    @inlinable @inline(__always)
    public static func compare(_ a: String, _ b: String) -> Int {
        if let r = a.utf8.withContiguousStorageIfAvailable({ pa in
            b.utf8.withContiguousStorageIfAvailable { pb -> Int in
                // An empty string may have no buffer; then the lengths alone decide.
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return pa.count - pb.count }
                return compare(x, pa.count, y, pb.count)
            }
        }), let r { return r }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a.utf8.elementsEqual(b.utf8) ? 0 : 1)
    }

    /// The same order over raw UTF-8 spans (`n` bytes at `a`, `m` at `b`), for callers that keep many words in one
    /// byte buffer (sorting and merging hundreds of thousands of rows). The first eight bytes are compared as one
    /// number first: most words differ there, and it spares a call to memcmp.
    @inlinable @inline(__always)
    public static func compare(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int) -> Int {
        let x = prefix(a, n), y = prefix(b, m)
        if x != y { return x < y ? -1 : 1 }
        let common = min(n, m)
        if common > 0 {
            let c = Int(memcmp(a, b, common))
            if c != 0 { return c }
        }
        return n - m
    }

    /// The first eight bytes at `p` (fewer when `n` is less, zeros after them) as a big-endian number: numbers
    /// that differ are in the bytes' order; equal ones say nothing when a span is shorter than eight bytes.
    @inlinable @inline(__always) @usableFromInline
    static func prefix(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        if n >= 8 { return UInt64(bigEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)) }
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(p[k]) << (56 - 8 * k) }
        return v
    }

    @inlinable @inline(__always)
    public static func equal(_ a: String, _ b: String) -> Bool { compare(a, b) == 0 }

    @inlinable @inline(__always)
    public static func equal(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): compare(x, y) == 0
        default: false
        }
    }

    /// Whether elements 0..<count strictly increase, `compare(i, j)` ordering element i against j (negative: i
    /// first). The one check of "sorted" for every list of words: the service lists words strictly increasing in
    /// byte order, one entry per word.
    @inlinable
    public static func isStrictlyIncreasing(_ count: Int, _ compare: (Int, Int) -> Int) -> Bool {
        var i = 1
        while i < count {
            if compare(i - 1, i) >= 0 { return false }
            i += 1
        }
        return true
    }
}

extension Collection where Element == WordEntry, Index == Int {
    /// Words strictly increasing in byte order: the service's listing order, one entry per word.
    public var isSorted: Bool {
        ByteOrder.isStrictlyIncreasing(count) { i, j in
            ByteOrder.compare(self[startIndex + i].word, self[startIndex + j].word)
        }
    }
}
