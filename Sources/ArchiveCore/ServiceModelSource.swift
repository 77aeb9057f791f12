import TTSAPI
import TTSClient

/// The live service as a snapshot source. A 401 for one customization (not the gateway's auth failure) means
/// the service does not know the id now: the model was deleted, which the snapshot records as gone.
public struct ServiceModelSource: ModelSource {
    public let client: TextToSpeechClient

    public init(client: TextToSpeechClient) { self.client = client }

    public var sourceDescription: SourceDescription { SourceDescription(kind: .service, url: client.serviceURL) }

    public func listModels() async throws -> [CustomModel] { try await client.listModels() }

    public func getModel(id: String) async throws -> CustomModel {
        do {
            return try await client.getModel(id: id)
        } catch let error as ServiceError where error.kind == .unknownCustomization {
            throw ModelSourceError.modelGone(id: id)
        }
    }
}
