/// A get-model answer (`GET /v1/customizations/{id}`) written as `export` writes it: byte for byte what
/// `JSONEncoder` writes with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (two-space indent,
/// `"key" : value`, keys in byte order, absent values left out, an empty array as `[`, an empty line, `]`), but
/// from the packed words straight to bytes: JSONEncoder made a String per word and was most of an export's time.
/// `ExportJSONTests` checks the two agree on awkward text, parts of speech, prompts and empty models.
extension JSONWriter {
    public static func prettyModel(_ model: CustomModel, words: PackedWords) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + words.byteCount + words.count * 96)
        w.raw("{")
        var first = true
        func key(_ name: StaticString, _ indent: StaticString = "  ") {
            w.raw(first ? "\n" : ",\n")
            first = false
            w.raw(indent)
            w.raw("\"")
            w.raw(name)
            w.raw("\" : ")
        }
        // Sorted keys: created, customization_id, description, language, last_modified, name, owner, prompts, words.
        if let v = model.created { key("created"); w.string(v) }
        key("customization_id"); w.string(model.customizationID)
        if let v = model.description { key("description"); w.string(v) }
        if let v = model.language { key("language"); w.string(v) }
        if let v = model.lastModified { key("last_modified"); w.string(v) }
        if let v = model.name { key("name"); w.string(v) }
        if let v = model.owner { key("owner"); w.string(v) }
        if let prompts = model.prompts {
            key("prompts")
            w.prettyArray(count: prompts.count) { w, i in
                let p = prompts[i]
                var firstField = true
                func field(_ name: StaticString, _ value: String) {
                    w.raw(firstField ? "\n      \"" : ",\n      \"")
                    firstField = false
                    w.raw(name)
                    w.raw("\" : ")
                    w.string(value)
                }
                // Sorted: error, prompt, prompt_id, speaker_id, status.
                if let e = p.error { field("error", e) }
                field("prompt", p.prompt)
                field("prompt_id", p.promptID)
                if let s = p.speakerID { field("speaker_id", s) }
                field("status", p.status)
            }
        }
        key("words")
        w.prettyArray(count: words.count) { w, i in
            words.withEntry(i) { word, translation, partOfSpeech in
                // Sorted: part_of_speech, translation, word.
                if let partOfSpeech {
                    w.raw("\n      \"part_of_speech\" : ")
                    w.string(utf8: partOfSpeech)
                    w.raw(",")
                }
                w.raw("\n      \"translation\" : ")
                w.string(utf8: translation)
                w.raw(",\n      \"word\" : ")
                w.string(utf8: word)
            }
        }
        w.raw("\n}")
        return w.bytes
    }

    /// A top-level field's array of objects at JSONEncoder's pretty indent; `element` writes an object's fields.
    private mutating func prettyArray(count: Int, _ element: (inout JSONWriter, Int) -> Void) {
        if count == 0 {
            raw("[\n\n  ]")
            return
        }
        raw("[\n")
        for i in 0..<count {
            raw(i == 0 ? "    {" : ",\n    {")
            element(&self, i)
            raw("\n    }")
        }
        raw("\n  ]")
    }
}
