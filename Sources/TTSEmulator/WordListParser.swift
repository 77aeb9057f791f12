import TTSAPI

/// Hand-written parser for the add-words (and update-model) body `{"words":[{"word","translation","part_of_speech"?},...]}`.
///
/// Foundation's JSONDecoder needs ~100 ms for a 20,000-entry body on this machine, which would make the
/// emulator the bottleneck of restore benchmarks; this takes a few. It accepts exactly what JSONDecoder
/// accepts for this shape (raw UTF-8 or `\u` escapes incl. surrogate pairs, unknown keys skipped,
/// `null` for the optional field) and rejects the rest with 400.
enum WordListParser {
    static func parse(_ body: [UInt8]) throws(ServiceError) -> [WordEntry] {
        do {
            return try body.withUnsafeBufferPointer { buffer throws(JSONScanError) -> [WordEntry] in
                var s = JSONScanner(buffer)
                return try s.wordList()
            }
        } catch {
            throw error.serviceError
        }
    }
}

extension WordListParser {
    /// The update-model body `{"name"?, "description"?, "words"?}`, which may carry as many words as add-words.
    static func parseUpdate(_ body: [UInt8]) throws(ServiceError) -> UpdateModelRequest {
        do {
            return try body.withUnsafeBufferPointer { buffer throws(JSONScanError) -> UpdateModelRequest in
                var s = JSONScanner(buffer)
                return try s.updateRequest()
            }
        } catch {
            throw error.serviceError
        }
    }
}

enum JSONScanError: Error {
    case syntax
    case missing(String)
    case wrongType(String)

    var serviceError: ServiceError {
        switch self {
        case .syntax: .badRequest("The request body is not valid JSON")
        case .missing(let key): .badRequest("Required parameter '\(key)' is missing from the request body")
        case .wrongType(let key): .badRequest("Invalid value for '\(key)' in the request body")
        }
    }
}

struct JSONScanner {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    mutating func wordList() throws(JSONScanError) -> [WordEntry] {
        var words: [WordEntry]?
        try object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            if key == "words" {
                guard s.peek() == UInt8(ascii: "[") else { throw .wrongType("words") }
                words = try s.entries()
            } else {
                try s.skipValue()
            }
        }
        skipWhitespace()
        guard i == b.count else { throw .syntax }
        guard let words else { throw .missing("words") }
        return words
    }

    mutating func updateRequest() throws(JSONScanError) -> UpdateModelRequest {
        var request = UpdateModelRequest()
        try object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "name": request.name = try s.optionalStringValue(key)
            case "description": request.description = try s.optionalStringValue(key)
            case "words":
                if s.literal("null") { return }
                guard s.peek() == UInt8(ascii: "[") else { throw .wrongType("words") }
                request.words = try s.entries()
            default: try s.skipValue()  // e.g. `language`, which cannot be changed
            }
        }
        skipWhitespace()
        guard i == b.count else { throw .syntax }
        return request
    }

    private mutating func entries() throws(JSONScanError) -> [WordEntry] {
        var out: [WordEntry] = []
        i += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { i += 1; return out }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "{") else { throw .wrongType("words") }
            var word: String?, translation: String?, pos: String?
            try object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
                switch key {
                case "word": word = try s.stringValue(key)
                case "translation": translation = try s.stringValue(key)
                case "part_of_speech": pos = try s.optionalStringValue(key)
                default: try s.skipValue()
                }
            }
            guard let word else { throw .missing("word") }
            guard let translation else { throw .missing("translation") }
            out.append(WordEntry(word: word, translation: translation, partOfSpeech: pos))
            skipWhitespace()
            guard let c = next() else { throw .syntax }
            if c == UInt8(ascii: "]") { return out }
            guard c == UInt8(ascii: ",") else { throw .syntax }
        }
    }

    // MARK: Generic pieces

    /// Calls `member` for each key with the scanner positioned at the value, which `member` must consume.
    private mutating func object(_ member: (inout JSONScanner, String) throws(JSONScanError) -> Void) throws(JSONScanError) {
        skipWhitespace()
        guard next() == UInt8(ascii: "{") else { throw .syntax }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipWhitespace()
            let key = try string()
            skipWhitespace()
            guard next() == UInt8(ascii: ":") else { throw .syntax }
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard let c = next() else { throw .syntax }
            if c == UInt8(ascii: "}") { return }
            guard c == UInt8(ascii: ",") else { throw .syntax }
        }
    }

    private mutating func stringValue(_ key: String) throws(JSONScanError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw .wrongType(key) }
        return try string()
    }

    private mutating func optionalStringValue(_ key: String) throws(JSONScanError) -> String? {
        if literal("null") { return nil }
        return try stringValue(key)
    }

    @inline(__always) private func peek() -> UInt8? { i < b.count ? b[i] : nil }

    @inline(__always) private mutating func next() -> UInt8? {
        guard i < b.count else { return nil }
        defer { i += 1 }
        return b[i]
    }

    private mutating func skipWhitespace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }

    /// A JSON string at the cursor; raw bytes must be valid UTF-8, escapes are decoded.
    private mutating func string() throws(JSONScanError) -> String {
        guard next() == UInt8(ascii: "\"") else { throw .syntax }
        let start = i
        var ascii = true
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                defer { i += 1 }
                let raw = UnsafeBufferPointer(rebasing: b[start..<i])
                // Pure ASCII needs no validation (the generic validating initialiser is the slow part).
                if ascii { return String(decoding: raw, as: UTF8.self) }
                guard let s = String(validating: raw, as: UTF8.self) else { throw .syntax }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw .syntax }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        // Slow path: escapes present.
        var bytes = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
        while true {
            guard let c = next() else { throw .syntax }
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: bytes, as: UTF8.self) else { throw .syntax }
                return s
            case UInt8(ascii: "\\"):
                guard let e = next() else { throw .syntax }
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") else { throw .syntax }
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .syntax }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .syntax }
                    bytes.append(contentsOf: UTF8.encode(u)!)
                default: throw .syntax
                }
            default:
                if c < 0x20 { throw .syntax }
                bytes.append(c)
            }
        }
    }

    private mutating func hex4() throws(JSONScanError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = next() else { throw .syntax }
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw .syntax
            }
            v = v << 4 | d
        }
        return v
    }

    /// Skips any JSON value (unknown keys).
    private mutating func skipValue() throws(JSONScanError) {
        skipWhitespace()
        guard let c = peek() else { throw .syntax }
        switch c {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try object { (s: inout JSONScanner, _: String) throws(JSONScanError) in try s.skipValue() }
        case UInt8(ascii: "["):
            i += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { i += 1; return }
            while true {
                try skipValue()
                skipWhitespace()
                guard let d = next() else { throw .syntax }
                if d == UInt8(ascii: "]") { return }
                guard d == UInt8(ascii: ",") else { throw .syntax }
            }
        default:
            if literal("true") || literal("false") || literal("null") { return }
            let start = i
            while i < b.count, (b[i] >= 48 && b[i] <= 57) || [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                                                              UInt8(ascii: "e"), UInt8(ascii: "E")].contains(b[i]) { i += 1 }
            if i == start { throw .syntax }
        }
    }
}
