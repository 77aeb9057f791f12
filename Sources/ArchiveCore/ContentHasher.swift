import Digest
import TTSAPI

/// Canonical, unambiguous byte encodings of archive content and their SHA-256 digests.
///
/// Every string is length-prefixed and every optional is tagged, so no two different contents encode alike
/// (`"ab" + "c"` vs `"a" + "bc"`, absent vs empty description). The snapshot digest is computed from per-model
/// hashes, so `check` can recompute it from the archive's rows without the service.
public enum ContentHasher {
    /// Hash of a model's words; `words` must be in service order (``WordEntry/serviceOrder``).
    public static func wordsHash<S: Sequence>(_ words: S) -> [UInt8] where S.Element == WordEntry {
        var h = SHA256()
        var buf: [UInt8] = []
        buf.reserveCapacity(256)
        for w in words {
            buf.removeAll(keepingCapacity: true)
            append(w.word, to: &buf)
            append(w.translation, to: &buf)
            append(optional: w.partOfSpeech, to: &buf)
            buf.withUnsafeBufferPointer { h.update(bytes: $0) }
        }
        return h.finalize()
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
