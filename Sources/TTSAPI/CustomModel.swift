/// A custom model (the service calls it a "customization"): a named, per-language lexicon.
///
/// Field names follow the wire format of `GET /v1/customizations/{id}` exactly (snake_case).
/// Only `customization_id` is mandatory, as in IBM's SDK; unknown fields are ignored when decoding,
/// so a newer service answer never breaks an older binary.
public struct CustomModel: Codable, Sendable, Equatable, Hashable {
    public var customizationID: String
    public var name: String?
    public var language: String?
    public var owner: String?
    /// UTC, ISO 8601 with milliseconds, e.g. `2016-07-15T18:12:31.743Z`; kept as the service's text.
    public var created: String?
    public var lastModified: String?
    public var description: String?
    /// Present only in the answer of get-model (never in list-models).
    public var words: [WordEntry]?
    /// Present only in the answer of get-model; metadata only, the API never returns prompt audio.
    public var prompts: [Prompt]?

    public init(
        customizationID: String, name: String? = nil, language: String? = nil, owner: String? = nil,
        created: String? = nil, lastModified: String? = nil, description: String? = nil,
        words: [WordEntry]? = nil, prompts: [Prompt]? = nil
    ) {
        self.customizationID = customizationID
        self.name = name
        self.language = language
        self.owner = owner
        self.created = created
        self.lastModified = lastModified
        self.description = description
        self.words = words
        self.prompts = prompts
    }

    enum CodingKeys: String, CodingKey {
        case customizationID = "customization_id"
        case name, language, owner, created
        case lastModified = "last_modified"
        case description, words, prompts
    }
}

/// `{"customizations": [...]}`, the answer of list-models.
public struct CustomModelList: Codable, Sendable, Equatable {
    public var customizations: [CustomModel]
    public init(customizations: [CustomModel]) { self.customizations = customizations }
}

/// Body of `POST /v1/customizations`.
public struct CreateModelRequest: Codable, Sendable, Equatable {
    public var name: String
    /// Omitted means `en-US` on the service.
    public var language: String?
    public var description: String?
    public init(name: String, language: String? = nil, description: String? = nil) {
        self.name = name
        self.language = language
        self.description = description
    }
}

/// Answer of create-model: only the new id.
public struct CreatedModel: Codable, Sendable, Equatable {
    public var customizationID: String
    public init(customizationID: String) { self.customizationID = customizationID }
    enum CodingKeys: String, CodingKey { case customizationID = "customization_id" }
}

/// Body of `POST /v1/customizations/{id}`: every field optional, omitted means unchanged.
/// The language of a model cannot be changed, so there is no `language` here.
public struct UpdateModelRequest: Codable, Sendable, Equatable {
    public var name: String?
    public var description: String?
    public var words: [WordEntry]?
    public init(name: String? = nil, description: String? = nil, words: [WordEntry]? = nil) {
        self.name = name
        self.description = description
        self.words = words
    }
}
