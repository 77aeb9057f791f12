import Foundation
import TTSAPI

/// A folder of saved models (an export, or a backup made with IBM's procedure), read and checked as a whole by
/// ``ImportFolder`` and then served as a snapshot source.
public struct DirectorySource: ModelSource {
    public let sourceDescription: SourceDescription
    let models: [String: CustomModel]
    let order: [String]

    /// Throws ``ImportError`` naming the file at fault; nothing is read from the folder afterwards.
    public init(directory: String) throws {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        let list = try ImportFolder.read(directory: directory)
        sourceDescription = SourceDescription(kind: .import, url: absolute)
        models = Dictionary(uniqueKeysWithValues: list.map { ($0.customizationID, $0) })
        order = list.map(\.customizationID)
    }

    public func listModels() async throws -> [CustomModel] {
        order.map { var m = models[$0]!; m.words = nil; m.prompts = nil; return m }
    }

    public func getModel(id: String) async throws -> CustomModel {
        guard let m = models[id] else { throw ModelSourceError.modelGone(id: id) }
        return m
    }
}
