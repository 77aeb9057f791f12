import Basics

/// Customization ids and owners: lower-case 8-4-4-4-12 hex GUIDs, as the service prints them.
enum GUID {
    static func random() -> String {
        var rng = SystemRandomNumberGenerator()
        return make(rng.next(), rng.next())
    }

    /// Deterministic ids for generated and churned models.
    static func make(using rng: inout SplitMix64) -> String { make(rng.next(), rng.next()) }

    private static func make(_ a: UInt64, _ b: UInt64) -> String {
        let hex = hex16(a) + hex16(b)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-"
            + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    private static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Shape check only (case-insensitive hex), so a malformed id gets 400 and a well-formed unknown one 401.
    static func isWellFormed(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, b) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b != UInt8(ascii: "-") { return false }
            } else if !isHex(b) {
                return false
            }
        }
        return true
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
    }
}
