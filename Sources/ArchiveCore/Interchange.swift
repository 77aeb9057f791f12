import Foundation
import TTSAPI

/// Export in the format of `GET /v1/customizations/{id}`, one JSON file per model: what IBM's manual backup
/// procedure produces and what other tools read. Import is ``ImportFolder`` and ``DirectorySource``.
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
}

public enum InterchangeError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .exists(let p): "\(p) already exists; export into an empty folder"
        case .unreadable(let p, let why): "\(p): \(why)"
        }
    }
}
