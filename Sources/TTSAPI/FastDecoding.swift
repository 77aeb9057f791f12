// Hand-written decoders for the bodies that carry whole lexicons (up to 20,000 entries): the get-model
// and list-words answers read by the client, the add-words and update-model bodies read by the emulator.
// Each yields exactly what JSONDecoder yields for valid input, down to duplicate keys (the first one
// counts, later ones are only checked for syntax); see JSONScanner for where it is stricter.

extension CustomModel {
    /// Decodes a get-model (or any single-model) answer as JSONDecoder would, several times faster.
    public static func decodeFast(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) -> CustomModel {
        try JSONScanner.scan(bytes) { (s: inout JSONScanner) throws(JSONScanError) in
            let model = try s.customModel()
            try s.end()
            return model
        }
    }

    public static func decodeFast(_ bytes: [UInt8]) throws(JSONScanError) -> CustomModel {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONScanError) in try decodeFast(raw) } }.get()
    }
}

extension WordList {
    /// Decodes `{"words": [...]}` (list-words answer, add-words body) as JSONDecoder would.
    public static func decodeFast(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) -> WordList {
        try JSONScanner.scan(bytes) { (s: inout JSONScanner) throws(JSONScanError) in
            var words: [WordEntry]?
            try s.object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
                if key == "words", words == nil { words = try s.array(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.wordEntry() } }
                else { try s.skipValue() }
            }
            try s.end()
            guard let words else { throw .missing("words") }
            return WordList(words: words)
        }
    }

    public static func decodeFast(_ bytes: [UInt8]) throws(JSONScanError) -> WordList {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONScanError) in try decodeFast(raw) } }.get()
    }
}

extension CustomModel {
    /// Decodes a get-model answer like ``decodeFast(_:)-([UInt8])`` but keeps its words as bytes: the model's `words`
    /// stays nil and the entries come back packed, in the answer's order; nil for a missing or null list (as
    /// `words` is nil then), so a caller can tell an answer without words from an empty model.
    public static func decodeFastPackingWords(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) -> (CustomModel, PackedWords?) {
        try JSONScanner.scan(bytes) { (s: inout JSONScanner) throws(JSONScanError) in
            var words = PackedWords()
            var hasWords = false
            let model = try s.customModel(packing: true, into: &words, hasWords: &hasWords)
            try s.end()
            return (model, hasWords ? words : nil)
        }
    }
}

/// One entry's fields while its keys are read (in any order), kept between entries to reuse their storage.
struct EntryScratch {
    var word: [UInt8] = []
    var translation: [UInt8] = []
    var partOfSpeech: [UInt8] = []
    var hasPartOfSpeech = false

    mutating func reset() {
        word.removeAll(keepingCapacity: true)
        translation.removeAll(keepingCapacity: true)
        partOfSpeech.removeAll(keepingCapacity: true)
        hasPartOfSpeech = false
    }
}

extension UpdateModelRequest {
    /// Decodes the update-model body `{"name"?, "description"?, "words"?}` as JSONDecoder would.
    public static func decodeFast(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) -> UpdateModelRequest {
        try JSONScanner.scan(bytes) { (s: inout JSONScanner) throws(JSONScanError) in
            var request = UpdateModelRequest()
            var seen: UInt16 = 0
            try s.object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
                switch key {
                case "name" where once(&seen, 0): request.name = try s.optionalStringValue(key)
                case "description" where once(&seen, 1): request.description = try s.optionalStringValue(key)
                case "words" where once(&seen, 2): request.words = try s.optionalArray(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.wordEntry() }
                default: try s.skipValue()  // e.g. `language`, which cannot be changed
                }
            }
            try s.end()
            return request
        }
    }

    public static func decodeFast(_ bytes: [UInt8]) throws(JSONScanError) -> UpdateModelRequest {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONScanError) in try decodeFast(raw) } }.get()
    }
}

/// Marks field `bit` as seen; false if it already was. Foundation's JSONDecoder keeps the first of
/// duplicate keys, so later ones fall through to `skipValue`.
@inline(__always) private func once(_ seen: inout UInt16, _ bit: UInt16) -> Bool {
    defer { seen |= 1 << bit }
    return seen & (1 << bit) == 0
}

extension JSONScanner {
    mutating func customModel() throws(JSONScanError) -> CustomModel {
        var unused = PackedWords()
        var unusedFlag = false
        return try customModel(packing: false, into: &unused, hasWords: &unusedFlag)
    }

    /// With `packing`, the words go to `packed` as bytes instead of to `words` (which then stays nil), and
    /// `hasWords` says whether the answer had a words array (not missing, not null).
    mutating func customModel(packing: Bool, into packed: inout PackedWords, hasWords: inout Bool) throws(JSONScanError) -> CustomModel {
        var id: String?
        var m = CustomModel(customizationID: "")
        var seen: UInt16 = 0
        try object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "customization_id" where once(&seen, 0): id = try s.stringValue(key)
            case "name" where once(&seen, 1): m.name = try s.optionalStringValue(key)
            case "language" where once(&seen, 2): m.language = try s.optionalStringValue(key)
            case "owner" where once(&seen, 3): m.owner = try s.optionalStringValue(key)
            case "created" where once(&seen, 4): m.created = try s.optionalStringValue(key)
            case "last_modified" where once(&seen, 5): m.lastModified = try s.optionalStringValue(key)
            case "description" where once(&seen, 6): m.description = try s.optionalStringValue(key)
            case "words" where once(&seen, 7):
                if packing {
                    if s.literal("null") { break }
                    hasWords = true
                    var scratch = EntryScratch()
                    _ = try s.array(key) { (s: inout JSONScanner) throws(JSONScanError) in
                        if !s.compactPackedWordEntry(into: &packed, &scratch) { try s.packedWordEntry(into: &packed, &scratch) }
                    }
                } else {
                    m.words = try s.optionalArray(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.wordEntry() }
                }
            case "prompts" where once(&seen, 8): m.prompts = try s.optionalArray(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.prompt() }
            default: try s.skipValue()
            }
        }
        guard let id else { throw .missing("customization_id") }
        m.customizationID = id
        return m
    }

    mutating func wordEntry() throws(JSONScanError) -> WordEntry {
        var word: String?, translation: String?, pos: String?
        var seen: UInt16 = 0
        try element(of: "words") { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "word" where once(&seen, 0): word = try s.stringValue(key)
            case "translation" where once(&seen, 1): translation = try s.stringValue(key)
            case "part_of_speech" where once(&seen, 2): pos = try s.optionalStringValue(key)
            default: try s.skipValue()
            }
        }
        guard let word else { throw .missing("word") }
        guard let translation else { throw .missing("translation") }
        return WordEntry(word: word, translation: translation, partOfSpeech: pos)
    }

    /// The compact shape `{"word":"…","translation":"…"[,"part_of_speech":"…"]}` (what JSONWriter and the emulator
    /// write) appended without a String per key. False, with nothing consumed, for any other spelling (spaces, other
    /// key orders, `null`, bad input), which ``packedWordEntry(into:_:)`` then reads or refuses.
    mutating func compactPackedWordEntry(into words: inout PackedWords, _ scratch: inout EntryScratch) -> Bool {
        let start = i
        scratch.reset()
        func fail(_ s: inout JSONScanner) -> Bool { s.i = start; return false }
        guard literal("{\"word\":"), (try? stringBytes("word", into: &scratch.word)) != nil,
              literal(",\"translation\":"), (try? stringBytes("translation", into: &scratch.translation)) != nil
        else { return fail(&self) }
        if literal(",\"part_of_speech\":") {
            guard (try? stringBytes("part_of_speech", into: &scratch.partOfSpeech)) != nil else { return fail(&self) }
            scratch.hasPartOfSpeech = true
        }
        guard literal("}") else { return fail(&self) }
        appendScratch(to: &words, scratch)
        return true
    }

    private func appendScratch(to words: inout PackedWords, _ scratch: EntryScratch) {
        scratch.word.withUnsafeBytes { w in
            scratch.translation.withUnsafeBytes { t in
                scratch.partOfSpeech.withUnsafeBytes { p in
                    words.appendChecked(word: w, translation: t, partOfSpeech: scratch.hasPartOfSpeech ? p : nil)
                }
            }
        }
    }

    /// ``wordEntry()`` appended to `words` as bytes; `scratch` is reused across entries.
    mutating func packedWordEntry(into words: inout PackedWords, _ scratch: inout EntryScratch) throws(JSONScanError) {
        scratch.reset()
        var seen: UInt16 = 0
        try element(of: "words") { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "word" where once(&seen, 0): try s.stringBytes(key, into: &scratch.word)
            case "translation" where once(&seen, 1): try s.stringBytes(key, into: &scratch.translation)
            case "part_of_speech" where once(&seen, 2):
                if !s.literal("null") {
                    try s.stringBytes(key, into: &scratch.partOfSpeech)
                    scratch.hasPartOfSpeech = true
                }
            default: try s.skipValue()
            }
        }
        guard seen & 1 != 0 else { throw .missing("word") }
        guard seen & 2 != 0 else { throw .missing("translation") }
        appendScratch(to: &words, scratch)
    }

    mutating func prompt() throws(JSONScanError) -> Prompt {
        var text: String?, id: String?, status: String?, error: String?, speaker: String?
        var seen: UInt16 = 0
        try element(of: "prompts") { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "prompt" where once(&seen, 0): text = try s.stringValue(key)
            case "prompt_id" where once(&seen, 1): id = try s.stringValue(key)
            case "status" where once(&seen, 2): status = try s.stringValue(key)
            case "error" where once(&seen, 3): error = try s.optionalStringValue(key)
            case "speaker_id" where once(&seen, 4): speaker = try s.optionalStringValue(key)
            default: try s.skipValue()
            }
        }
        guard let text else { throw .missing("prompt") }
        guard let id else { throw .missing("prompt_id") }
        guard let status else { throw .missing("status") }
        return Prompt(prompt: text, promptID: id, status: status, error: error, speakerID: speaker)
    }
}
