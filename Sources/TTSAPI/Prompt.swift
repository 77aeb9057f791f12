/// Custom prompt metadata as carried in get-model. The service never exports prompt audio and no longer
/// creates prompts (deprecated March 2026), so prompts can be archived and compared but not restored.
public struct Prompt: Codable, Sendable, Equatable, Hashable {
    /// The prompt's text.
    public var prompt: String
    public var promptID: String
    /// `processing`, `available` or `failed`.
    public var status: String
    public var error: String?
    public var speakerID: String?

    public init(prompt: String, promptID: String, status: String, error: String? = nil, speakerID: String? = nil) {
        self.prompt = prompt
        self.promptID = promptID
        self.status = status
        self.error = error
        self.speakerID = speakerID
    }

    enum CodingKeys: String, CodingKey {
        case prompt
        case promptID = "prompt_id"
        case status, error
        case speakerID = "speaker_id"
    }
}

/// `{"prompts": [...]}`, the answer of list-prompts.
public struct PromptList: Codable, Sendable, Equatable {
    public var prompts: [Prompt]
    public init(prompts: [Prompt]) { self.prompts = prompts }
}
