import TTSAPI

/// Hand-written JSON output into a byte array. Foundation's JSONEncoder is several times slower on a
/// 20,000-word model and escapes `/`; this writes raw UTF-8 and escapes only what JSON requires.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func number(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            var start = 0
            for i in 0..<buf.count {
                let b = buf[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i])) }
                escape(b)
                start = i + 1
            }
            if start < buf.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ b: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""): bytes.append(b)
        case UInt8(ascii: "\\"): bytes.append(b)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
        }
    }

    /// `"key":` followed by a string value.
    mutating func field(_ key: StaticString, _ value: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        raw("\":")
        string(value)
    }

    // MARK: Wire shapes of the customization API

    mutating func entry(word: String, translation: String, partOfSpeech: String?) {
        raw("{\"word\":")
        string(word)
        field("translation", translation)
        if let partOfSpeech { field("part_of_speech", partOfSpeech) }
        raw("}")
    }

    mutating func translation(_ translation: String, partOfSpeech: String?) {
        raw("{\"translation\":")
        string(translation)
        if let partOfSpeech { field("part_of_speech", partOfSpeech) }
        raw("}")
    }

    mutating func prompt(_ p: Prompt) {
        raw("{\"prompt\":")
        string(p.prompt)
        field("prompt_id", p.promptID)
        field("status", p.status)
        if let e = p.error { field("error", e) }
        if let s = p.speakerID { field("speaker_id", s) }
        raw("}")
    }

    mutating func prompts(_ ps: [Prompt]) {
        raw("[")
        for (i, p) in ps.enumerated() {
            if i > 0 { raw(",") }
            prompt(p)
        }
        raw("]")
    }

    /// Metadata fields of a model without the closing brace, so get-model can append `words` and `prompts`.
    mutating func modelHead(_ m: ModelMetadata) {
        raw("{\"customization_id\":")
        string(m.id)
        field("owner", m.owner)
        field("created", m.created)
        field("last_modified", m.lastModified)
        field("name", m.name)
        field("language", m.language)
        field("description", m.description)
    }
}
