import Foundation
import TTSAPI

/// Export and import in the format of `GET /v1/customizations/{id}`, one JSON file per model: what IBM's
/// manual backup procedure produces and what other tools read.
public enum Interchange {
    /// Writes `<customization_id>.json` for each model of a snapshot into `directory` (created if needed).
    /// Refuses to overwrite files. Returns the paths written.
    @discardableResult
    public static func export(_ models: [CustomModel], to directory: String) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var written: [String] = []
        for model in models {
            let name = PathSegment.encode(model.customizationID) + ".json"
            let path = (directory as NSString).appendingPathComponent(name)
            guard !fm.fileExists(atPath: path) else { throw InterchangeError.exists(path) }
            var data = try encoder.encode(model)
            data.append(0x0A)
            guard fm.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw InterchangeError.unreadable(path, "cannot write the file")
            }
            written.append(path)
        }
        return written
    }

    /// Reads every `*.json` file of a directory as a custom model.
    public static func read(directory: String) throws -> [CustomModel] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else { throw InterchangeError.notADirectory(directory) }
        let files = try fm.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else { throw InterchangeError.empty(directory) }
        var seen: [String: String] = [:]
        return try files.map { file in
            let path = (directory as NSString).appendingPathComponent(file)
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw InterchangeError.unreadable(path, "cannot read the file") }
            let model: CustomModel
            do {
                model = try JSONDecoder().decode(CustomModel.self, from: data)
            } catch let DecodingError.keyNotFound(key, _) {
                throw InterchangeError.unreadable(path, "missing field \(key.stringValue)")
            } catch let DecodingError.typeMismatch(_, ctx) {
                throw InterchangeError.unreadable(path, "wrong type at \(ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "."))")
            } catch {
                throw InterchangeError.unreadable(path, "not valid JSON in the format of GET /v1/customizations/{id}")
            }
            if let other = seen[model.customizationID] { throw InterchangeError.duplicate(model.customizationID, other, file) }
            seen[model.customizationID] = file
            return model
        }
    }
}

/// A folder of exported models, read as a snapshot source.
public struct DirectorySource: ModelSource {
    public let sourceDescription: SourceDescription
    let models: [String: CustomModel]
    let order: [String]

    public init(directory: String) throws {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        let list = try Interchange.read(directory: absolute)
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

public enum InterchangeError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case notADirectory(String)
    case empty(String)
    case unreadable(String, String)
    case duplicate(String, String, String)

    public var description: String {
        switch self {
        case .exists(let p): "\(p) already exists; export into an empty folder"
        case .notADirectory(let p): "\(p) is not a folder"
        case .empty(let p): "\(p) holds no .json files"
        case .unreadable(let p, let why): "\(p): \(why)"
        case .duplicate(let id, let a, let b): "model \(id) appears in both \(a) and \(b)"
        }
    }
}
