// Hand-written decoders for the bodies that carry whole lexicons (up to 20,000 entries): the get-model
// and list-words answers read by the client, the add-words and update-model bodies read by the emulator.
// Each yields exactly what JSONDecoder yields for valid input; see JSONScanner for the one deliberate
// difference (no trailing commas).

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
                if key == "words" { words = try s.array(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.wordEntry() } }
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

extension UpdateModelRequest {
    /// Decodes the update-model body `{"name"?, "description"?, "words"?}` as JSONDecoder would.
    public static func decodeFast(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) -> UpdateModelRequest {
        try JSONScanner.scan(bytes) { (s: inout JSONScanner) throws(JSONScanError) in
            var request = UpdateModelRequest()
            try s.object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
                switch key {
                case "name": request.name = try s.optionalStringValue(key)
                case "description": request.description = try s.optionalStringValue(key)
                case "words": request.words = try s.optionalArray(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.wordEntry() }
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

extension JSONScanner {
    mutating func customModel() throws(JSONScanError) -> CustomModel {
        var id: String?
        var m = CustomModel(customizationID: "")
        try object { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "customization_id": id = try s.stringValue(key)
            case "name": m.name = try s.optionalStringValue(key)
            case "language": m.language = try s.optionalStringValue(key)
            case "owner": m.owner = try s.optionalStringValue(key)
            case "created": m.created = try s.optionalStringValue(key)
            case "last_modified": m.lastModified = try s.optionalStringValue(key)
            case "description": m.description = try s.optionalStringValue(key)
            case "words": m.words = try s.optionalArray(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.wordEntry() }
            case "prompts": m.prompts = try s.optionalArray(key) { (s: inout JSONScanner) throws(JSONScanError) in try s.prompt() }
            default: try s.skipValue()
            }
        }
        guard let id else { throw .missing("customization_id") }
        m.customizationID = id
        return m
    }

    mutating func wordEntry() throws(JSONScanError) -> WordEntry {
        var word: String?, translation: String?, pos: String?
        try element(of: "words") { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "word": word = try s.stringValue(key)
            case "translation": translation = try s.stringValue(key)
            case "part_of_speech": pos = try s.optionalStringValue(key)
            default: try s.skipValue()
            }
        }
        guard let word else { throw .missing("word") }
        guard let translation else { throw .missing("translation") }
        return WordEntry(word: word, translation: translation, partOfSpeech: pos)
    }

    mutating func prompt() throws(JSONScanError) -> Prompt {
        var text: String?, id: String?, status: String?, error: String?, speaker: String?
        try element(of: "prompts") { (s: inout JSONScanner, key: String) throws(JSONScanError) in
            switch key {
            case "prompt": text = try s.stringValue(key)
            case "prompt_id": id = try s.stringValue(key)
            case "status": status = try s.stringValue(key)
            case "error": error = try s.optionalStringValue(key)
            case "speaker_id": speaker = try s.optionalStringValue(key)
            default: try s.skipValue()
            }
        }
        guard let text else { throw .missing("prompt") }
        guard let id else { throw .missing("prompt_id") }
        guard let status else { throw .missing("status") }
        return Prompt(prompt: text, promptID: id, status: status, error: error, speakerID: speaker)
    }
}
