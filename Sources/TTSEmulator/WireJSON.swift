import TTSAPI

/// The customization API's wire shapes, written straight into bytes (get-model, list, words).
extension JSONWriter {
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
        array(ps) { $0.prompt($1) }
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
