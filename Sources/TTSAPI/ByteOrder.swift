import Foundation

/// Byte-wise comparison of UTF-8 text. Swift's `==` on String uses canonical equivalence (precomposed `é`
/// equals `e` + combining accent); the archive must keep such entries apart, as the service does.
enum ByteOrder {
    @inline(__always)
    static func compare(_ a: String, _ b: String) -> Int {
        if let r = a.utf8.withContiguousStorageIfAvailable({ pa in
            b.utf8.withContiguousStorageIfAvailable { pb -> Int in
                let n = min(pa.count, pb.count)
                if n > 0 {
                    let c = Int(memcmp(pa.baseAddress!, pb.baseAddress!, n))
                    if c != 0 { return c }
                }
                return pa.count - pb.count
            }
        }), let r { return r }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a.utf8.elementsEqual(b.utf8) ? 0 : 1)
    }

    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool { compare(a, b) == 0 }

    @inline(__always)
    static func equal(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): compare(x, y) == 0
        default: false
        }
    }
}
