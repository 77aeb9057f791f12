import Foundation
import TTSAPI

extension ServiceInstance {
    /// Loads every `*.json` file of a directory (sorted by name), each in the format of
    /// `GET /v1/customizations/{id}` — what IBM's manual backup procedure saves. A file may also hold
    /// `{"customizations": [...]}` with full models. Returns the ids used, in load order.
    @discardableResult
    public func seed(from directory: URL) throws -> [String] {
        let entries: [URL]
        do {
            entries = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        } catch {
            throw EmulatorConfigurationError("cannot read the seed directory \(directory.path): it does not exist or is not a readable directory")
        }
        let files = entries
            .filter { $0.pathExtension.lowercased() == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var ids: [String] = []
        for file in files {
            let data = try Data(contentsOf: file)
            let models: [CustomModel]
            do {
                if let list = try? JSONDecoder().decode(CustomModelList.self, from: data) {
                    models = list.customizations
                } else {
                    models = [try JSONDecoder().decode(CustomModel.self, from: data)]
                }
            } catch {
                throw EmulatorConfigurationError("\(file.lastPathComponent): not a custom model in the format of GET /v1/customizations/{id}")
            }
            for m in models {
                do {
                    ids.append(try importModel(m))
                } catch {
                    throw EmulatorConfigurationError("\(file.lastPathComponent): \(error)")
                }
            }
        }
        return ids
    }
}
