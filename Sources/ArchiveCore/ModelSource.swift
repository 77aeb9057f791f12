import TTSAPI

/// What a snapshot reads from: the live service through TTSClient, an emulator, or an imported folder.
/// Kept to the two calls a snapshot needs so the core does not depend on HTTP details.
public protocol ModelSource: Sendable {
    /// Identifies the source in the archive: a service URL without credentials, or a folder path.
    var sourceDescription: SourceDescription { get }
    /// Every model (metadata only).
    func listModels() async throws -> [CustomModel]
    /// One model with its words and prompts. Throws ``ModelSourceError/modelGone`` when the service no longer
    /// knows the id (it answers 401 for a deleted model), so a model deleted mid-run is not an auth failure.
    func getModel(id: String) async throws -> CustomModel
}

public struct SourceDescription: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, CaseIterable { case service, `import` }
    public var kind: Kind
    public var url: String
    /// Empty for every model; otherwise the canonical text of the filter that limited the snapshot.
    public var scope: String
    public init(kind: Kind, url: String, scope: String = "") {
        self.kind = kind
        self.url = url
        self.scope = scope
    }
}

public enum ModelSourceError: Error, Equatable, CustomStringConvertible {
    /// The id is unknown to the service right now (deleted, or never ours).
    case modelGone(id: String)

    public var description: String {
        switch self {
        case .modelGone(let id): "custom model \(id) is no longer on the service"
        }
    }
}
