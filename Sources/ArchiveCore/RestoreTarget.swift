import TTSAPI
import TTSClient

/// What restore, rollback, drill and a restore's verification write to and read back from: a service instance
/// (``TextToSpeechClient`` over HTTP), the CLI's in-process emulator, or a scripted target in tests.
///
/// Failures are ``ServiceError`` values, the client's vocabulary, and the core acts on their kind: `.badRequest`
/// splits a batch (and is the answer for a word not in a model), `.ambiguousCreate` makes a restore look for the
/// model before creating it again, `.unknownCustomization` is a model that is gone, `.authentication` stops a run.
public protocol RestoreTarget: Sendable {
    /// Identifies the target in the restore journal (a service URL without credentials): a run resumes only into
    /// the target it started with.
    var serviceURL: String { get }
    /// Every model (metadata only), in the service's order.
    func listModels() async throws -> [CustomModel]
    /// Creates a model. A failure that may have created it anyway is `.ambiguousCreate`.
    func createModel(_ request: CreateModelRequest) async throws -> CreatedModel
    /// Sets the name and/or description; a sync's update also carries its first batch of words (the service
    /// applies all or nothing).
    func updateModel(id: String, _ update: UpdateModelRequest) async throws
    /// Adds or overwrites entries `range` of `words`, in one request.
    func addWords(id: String, _ words: PackedWords, _ range: Range<Int>) async throws
    /// Adds or overwrites one entry (`PUT .../words/{word}`).
    func addWord(id: String, word: String, _ translation: Translation) async throws
    /// One entry; a word not in the model is `.badRequest`.
    func getWord(id: String, word: String) async throws -> Translation
    func deleteModel(id: String) async throws
    /// A word not in the model is `.badRequest`.
    func deleteWord(id: String, word: String) async throws
    /// The model with its prompts; its words apart, as bytes in service order (the model's `words` stays nil).
    func getModelPackingWords(id: String) async throws -> (model: CustomModel, words: PackedWords)
}

extension RestoreTarget {
    /// The model with its words and prompts, as get-model returns it.
    public func getModel(id: String) async throws -> CustomModel {
        var (model, words) = try await getModelPackingWords(id: id)
        model.words = words.entries
        return model
    }

    /// Adds or overwrites `words` in batches of `batchSize`, in order.
    func addWords(id: String, _ words: [WordEntry], batchSize: Int) async throws {
        let packed = PackedWords(words)
        var start = 0
        while start < packed.count {
            try await addWords(id: id, packed, start..<min(packed.count, start + batchSize))
            start += batchSize
        }
    }
}

/// The service over HTTP.
extension TextToSpeechClient: RestoreTarget {
    public func listModels() async throws -> [CustomModel] { try await listModels(language: nil) }
}
