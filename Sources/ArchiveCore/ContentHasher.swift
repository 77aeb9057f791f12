import Digest
import TTSAPI

/// Canonical, unambiguous byte encodings of archive content and their SHA-256 digests.
///
/// Every string is length-prefixed and every optional is tagged, so no two different contents encode alike
/// (`"ab" + "c"` vs `"a" + "bc"`, absent vs empty description). The snapshot digest is computed from per-model
/// hashes, so `check` can recompute it from the archive's rows without the service.
public enum ContentHasher {
    /// Hash of a model's words: a multiset hash, the sum mod 2^256 of each entry's SHA-256. Order does not
    /// matter and entries can be added or taken away, so `check` verifies every content version of a model in
    /// one pass over its rows instead of re-hashing the whole model for each version.
    public static func wordsHash<S: Sequence>(_ words: S) -> [UInt8] where S.Element == WordEntry {
        var acc = MultisetHash()
        for w in words { acc.add(w) }
        return acc.bytes
    }

    /// SHA-256 of one entry's canonical encoding, as four big-endian 64-bit words (most significant first).
    static func entryHash(word: String, translation: String, partOfSpeech: String?, buffer: inout [UInt8]) -> (UInt64, UInt64, UInt64, UInt64) {
        buffer.removeAll(keepingCapacity: true)
        append(word, to: &buffer)
        append(translation, to: &buffer)
        append(optional: partOfSpeech, to: &buffer)
        return buffer.withUnsafeBytes { SHA256.oneShot($0) }
    }

    /// Hash of a model's prompt metadata, in prompt_id byte order.
    public static func promptsHash(_ prompts: [Prompt]) -> [UInt8] {
        var buf: [UInt8] = []
        for p in prompts.sorted(by: { WordEntry.serviceOrder($0.promptID, $1.promptID) }) {
            append(p.promptID, to: &buf)
            append(p.prompt, to: &buf)
            append(p.status, to: &buf)
            append(optional: p.error, to: &buf)
            append(optional: p.speakerID, to: &buf)
        }
        var h = SHA256()
        h.update(buf)
        return h.finalize()
    }

    /// What a model contributes to a snapshot digest: metadata plus the hashes of its words and prompts.
    public struct ModelDigestInput: Sendable, Equatable {
        public var customizationID: String
        public var name: String?
        public var language: String?
        public var description: String?
        public var owner: String?
        public var created: String?
        public var lastModified: String?
        public var wordCount: Int
        public var wordsHash: [UInt8]
        public var promptsHash: [UInt8]

        public init(customizationID: String, name: String?, language: String?, description: String?, owner: String?,
                    created: String?, lastModified: String?, wordCount: Int, wordsHash: [UInt8], promptsHash: [UInt8]) {
            self.customizationID = customizationID
            self.name = name
            self.language = language
            self.description = description
            self.owner = owner
            self.created = created
            self.lastModified = lastModified
            self.wordCount = wordCount
            self.wordsHash = wordsHash
            self.promptsHash = promptsHash
        }
    }

    /// The snapshot digest (hex): models in customization id byte order.
    public static func snapshotDigest(_ models: [ModelDigestInput]) -> String {
        var h = SHA256()
        var buf: [UInt8] = []
        for m in models.sorted(by: { WordEntry.serviceOrder($0.customizationID, $1.customizationID) }) {
            buf.removeAll(keepingCapacity: true)
            append(m.customizationID, to: &buf)
            for field in [m.name, m.language, m.description, m.owner, m.created, m.lastModified] {
                append(optional: field, to: &buf)
            }
            appendLength(m.wordCount, to: &buf)
            buf += m.wordsHash
            buf += m.promptsHash
            buf.withUnsafeBufferPointer { h.update(bytes: $0) }
        }
        return SHA256.hex(h.finalize())
    }

    @inline(__always)
    static func appendLength(_ n: Int, to buf: inout [UInt8]) {
        let v = UInt32(truncatingIfNeeded: n)
        buf += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    @inline(__always)
    static func append(_ s: String, to buf: inout [UInt8]) {
        appendLength(s.utf8.count, to: &buf)
        buf.append(contentsOf: s.utf8)
    }

    @inline(__always)
    static func append(optional s: String?, to buf: inout [UInt8]) {
        if let s {
            buf.append(1)
            append(s, to: &buf)
        } else {
            buf.append(0)
        }
    }
}

/// A 256-bit sum of entry hashes (see ``ContentHasher/wordsHash(_:)``).
public struct MultisetHash: Sendable, Equatable {
    private var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // little-endian limbs
    private var scratch: [UInt8] = []

    public init() {}

    public mutating func add(_ w: WordEntry) {
        add(word: w.word, translation: w.translation, partOfSpeech: w.partOfSpeech)
    }

    public mutating func add(word: String, translation: String, partOfSpeech: String?) {
        let h = ContentHasher.entryHash(word: word, translation: translation, partOfSpeech: partOfSpeech, buffer: &scratch)
        combine((h.3, h.2, h.1, h.0), subtract: false)
    }

    public mutating func remove(word: String, translation: String, partOfSpeech: String?) {
        let h = ContentHasher.entryHash(word: word, translation: translation, partOfSpeech: partOfSpeech, buffer: &scratch)
        combine((h.3, h.2, h.1, h.0), subtract: true)
    }

    /// Adds another sum (the union of two multisets).
    public mutating func add(_ other: MultisetHash) {
        combine(other.limbs, subtract: false)
    }

    /// Takes another sum away (removes a sub-multiset).
    public mutating func subtract(_ other: MultisetHash) {
        combine(other.limbs, subtract: true)
    }

    /// Big-endian bytes of the sum.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for limb in [limbs.3, limbs.2, limbs.1, limbs.0] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift))) }
        }
        return out
    }

    public static func == (a: MultisetHash, b: MultisetHash) -> Bool { a.bytes == b.bytes }

    /// Adds or subtracts a 256-bit value given as little-endian limbs, with carry/borrow.
    private mutating func combine(_ x: (UInt64, UInt64, UInt64, UInt64), subtract: Bool) {
        if subtract {
            let (r0, b0) = limbs.0.subtractingReportingOverflow(x.0)
            let (t1, b1a) = limbs.1.subtractingReportingOverflow(x.1)
            let (r1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
            let (t2, b2a) = limbs.2.subtractingReportingOverflow(x.2)
            let (r2, b2b) = t2.subtractingReportingOverflow(b1a || b1b ? 1 : 0)
            let r3 = limbs.3 &- x.3 &- (b2a || b2b ? 1 : 0)
            limbs = (r0, r1, r2, r3)
        } else {
            let (r0, c0) = limbs.0.addingReportingOverflow(x.0)
            let (t1, c1a) = limbs.1.addingReportingOverflow(x.1)
            let (r1, c1b) = t1.addingReportingOverflow(c0 ? 1 : 0)
            let (t2, c2a) = limbs.2.addingReportingOverflow(x.2)
            let (r2, c2b) = t2.addingReportingOverflow(c1a || c1b ? 1 : 0)
            let r3 = limbs.3 &+ x.3 &+ (c2a || c2b ? 1 : 0)
            limbs = (r0, r1, r2, r3)
        }
    }
}
