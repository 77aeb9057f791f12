import Foundation
import TTSAPI

/// Reads a folder to import: models saved as `GET /v1/customizations/{id}` bodies (what `export` writes), or a
/// backup made by IBM's own procedure (reference §10): the list body of `GET /v1/customizations` beside each
/// model's get-model body, and possibly each model's `GET /v1/customizations/{id}/words` body.
///
/// Each `*.json` file is told apart by its keys: `customization_id` makes it a model, `customizations` a list,
/// `words` (alone) a words list. A words list belongs to the model whose customization id its file name holds
/// (a name holding exactly one GUID: `<id>-words.json`, `words_<id>.json`). The whole folder is checked before
/// anything is recorded, and every problem is an ``ImportError`` naming the file at fault, so nothing is lost
/// or recorded wrongly without a word:
/// - every model a list names has its file;
/// - a model file without `words` has exactly one words file (a get-model body always has `words`, and `[]` is
///   a real empty model); a words file matches one model, and a model file that has `words` too has the same;
/// - a model's id is the one its file name holds, when the name holds one; no model is in two files;
/// - no word is in a model twice, and the service's limits hold.
/// Files whose names start with a dot are skipped; any other file that is not `*.json` is refused.
public enum ImportFolder {
    public static func read(directory: String) throws -> [CustomModel] {
        let files = try jsonFiles(in: directory)
        var models: [(file: String, model: CustomModel)] = []
        var modelIndex: [String: Int] = [:]  // lowercased customization id -> index in models
        var lists: [(file: String, models: [CustomModel])] = []
        var wordFiles: [(file: String, id: String, words: [WordEntry])] = []
        for file in files {
            let data = try load(file)
            let nameIDs = guids(in: (file as NSString).lastPathComponent)
            switch try decode(data, file: file) {
            case .model(let model):
                if nameIDs.count == 1, !sameID(nameIDs[0], model.customizationID) {
                    throw ImportError.file(file, "holds model \(model.customizationID), but its name names model \(nameIDs[0]); "
                        + "rename the file or check that it is the model you meant")
                }
                if let other = modelIndex[model.customizationID.lowercased()] {
                    throw ImportError.file(file, "model \(model.customizationID) is also in \(models[other].file); keep one of the two files")
                }
                modelIndex[model.customizationID.lowercased()] = models.count
                models.append((file, model))
            case .list(let listed):
                lists.append((file, listed))
            case .words(let words):
                guard nameIDs.count == 1 else {
                    throw ImportError.file(file, "a words list (GET /v1/customizations/{id}/words) whose name holds "
                        + (nameIDs.isEmpty ? "no customization id" : "\(nameIDs.count) customization ids")
                        + "; name it <customization_id>-words.json after its model")
                }
                if let other = wordFiles.first(where: { $0.id == nameIDs[0] }) {  // both lowercased
                    throw ImportError.file(file, "a second words list for model \(nameIDs[0]) (also \(other.file)); keep one of the two files")
                }
                wordFiles.append((file, nameIDs[0], words))
            }
        }

        // Every model a list names has its file.
        for list in lists {
            let missing = list.models.filter { modelIndex[$0.customizationID.lowercased()] == nil }
            guard missing.isEmpty else {
                let shown = missing.prefix(5).map { m in m.name.map { "\(m.customizationID) (\($0.debugDescription))" } ?? m.customizationID }
                let more = missing.count > 5 ? " and \(missing.count - 5) more" : ""
                throw ImportError.file(list.file, "lists \(missing.count) model\(missing.count == 1 ? "" : "s") with no file in the folder: "
                    + shown.joined(separator: ", ") + more + "; save each with GET /v1/customizations/{id} as <customization_id>.json")
            }
        }

        // Words lists join their models.
        var wordsFile: [Int: String] = [:]  // index in models -> the file its words came from
        for w in wordFiles {
            guard let i = modelIndex[w.id] else {
                throw ImportError.file(w.file, "the words of model \(w.id), but no file in the folder holds that model "
                    + "(save GET /v1/customizations/\(w.id) as \(w.id).json)")
            }
            if let own = models[i].model.words {
                guard sameEntries(own, w.words) else {
                    throw ImportError.file(w.file, "the words of model \(w.id) differ from those in \(models[i].file); keep the right one of the two files")
                }
            } else {
                models[i].model.words = w.words
                wordsFile[i] = w.file
            }
        }

        for (i, entry) in models.enumerated() {
            let model = entry.model
            guard let words = model.words else {
                throw ImportError.file(entry.file, "model \(model.customizationID) has no words array (a GET /v1/customizations/{id} body always has one; "
                    + "an empty model has \"words\": []); add its words list as \(model.customizationID)-words.json (GET /v1/customizations/{id}/words)")
            }
            let from = wordsFile[i] ?? entry.file
            if let word = firstDuplicate(words) {
                throw ImportError.file(from, "the word \(word.debugDescription) is in model \(model.customizationID) twice; a model holds each word once: remove one")
            }
            do { try SnapshotWriter.checkLimits(model) } catch { throw ImportError.file(from, String(describing: error)) }
        }
        return models.map(\.model)
    }

    // MARK: - Files

    /// The folder's `*.json` files (as paths under `directory`), refusing anything else but hidden files.
    static func jsonFiles(in directory: String) throws -> [String] {
        var st = stat()
        guard stat(directory, &st) == 0 else {
            throw ImportError.file(directory, errno == ENOENT ? "no such folder; name the folder that holds the .json files"
                                                             : "cannot open the folder (\(lastError()))")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw ImportError.file(directory, "not a folder; import reads a folder of .json files, one per model")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw ImportError.file(directory, "cannot list the folder (\(posixReason(error) ?? "permission denied?"))")
        }
        var files: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard name.lowercased().hasSuffix(".json") else {
                throw ImportError.file(path, "not a .json file; import reads only *.json files: move it out of the folder")
            }
            files.append(path)
        }
        guard !files.isEmpty else {
            throw ImportError.file(directory, "the folder holds no .json files; import expects one GET /v1/customizations/{id} body per model")
        }
        return files
    }

    /// The bytes of a regular file (a FIFO or device named `*.json` is refused, never waited on).
    static func load(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw ImportError.file(path, "cannot read the file (\(lastError()))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ImportError.file(path, "cannot read the file (\(lastError()))") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ImportError.file(path, st.st_mode & S_IFMT == S_IFDIR
                ? "a folder; import reads only the .json files of one folder: move it out"
                : "not a regular file; import reads only .json files")
        }
        do {
            return try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd() ?? Data()
        } catch {
            throw ImportError.file(path, "cannot read the file (\(posixReason(error) ?? "I/O error"))")
        }
    }

    // MARK: - Bodies

    /// What one file holds.
    enum Body: Decodable {
        case model(CustomModel)
        case list([CustomModel])
        case words([WordEntry])

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            if c.contains(Key("customization_id")) {
                self = .model(try CustomModel(from: decoder))
            } else if c.contains(Key("customizations")) {
                self = .list(try CustomModelList(from: decoder).customizations)
            } else if c.contains(Key("words")) {
                self = .words(try WordList(from: decoder).words)
            } else {
                throw UnknownShape()
            }
        }
    }

    struct UnknownShape: Error {}

    static let shapes = "a get-model body {\"customization_id\": ..., \"words\": [...]}, a list body {\"customizations\": [...]} "
        + "or a words body {\"words\": [...]}"

    /// Decodes one file, turning every failure into one line that says where and what.
    static func decode(_ data: Data, file: String) throws -> Body {
        guard data.contains(where: { !isSpace($0) }) else { throw ImportError.file(file, "the file is empty; expected \(shapes)") }
        // The usual file, a get-model body, through the byte-level decoder that reads service answers (it decodes
        // as JSONDecoder does); anything else, and any file it refuses, through JSONDecoder for the exact message.
        if let model = data.withUnsafeBytes({ raw in try? CustomModel.decodeFast(raw) }) { return .model(model) }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch is UnknownShape {
            throw ImportError.file(file, "a JSON object with none of the keys customization_id, customizations, words; expected \(shapes)")
        } catch let DecodingError.typeMismatch(_, ctx) where ctx.codingPath.isEmpty {
            throw ImportError.file(file, "holds \(topLevelKind(data)), not a JSON object; expected \(shapes)")
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw ImportError.file(file, "wrong type at \(path(ctx.codingPath)) (expected \(kind(of: type)))")
        } catch let DecodingError.valueNotFound(type, ctx) {
            throw ImportError.file(file, "\(path(ctx.codingPath)) is null (expected \(kind(of: type)))")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw ImportError.file(file, "missing field \(path(ctx.codingPath + [key]))")
        } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
            throw ImportError.file(file, "invalid value at \(path(ctx.codingPath)): \(ctx.debugDescription)")
        } catch {
            throw ImportError.file(file, "invalid JSON\(syntaxErrorPlace(data)); fix or save the file again")
        }
    }

    /// `words[3].word`
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out.isEmpty ? "the top level" : out
    }

    static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "\(type)".hasPrefix("Dictionary") ? "an object" : "\(type)"
        }
    }

    static func topLevelKind(_ data: Data) -> String {
        switch data.first(where: { !isSpace($0) && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }) {
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "true or false"
        case UInt8(ascii: "n"): "null"
        default: "a number"
        }
    }

    /// " at line L, column C" where the JSON parser says the text went wrong (Foundation names a byte offset), or
    /// " (the file ends early)"; empty when it does not say.
    static func syntaxErrorPlace(_ data: Data) -> String {
        do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
            if text.lowercased().contains("end of file") || text.lowercased().contains("unexpected end") { return " (the file ends early)" }
            if let r = text.range(of: #"line \d+, column \d+"#, options: .regularExpression) { return " at " + text[r] }
            if let r = text.range(of: #"character \d+"#, options: .regularExpression),
               let offset = Int(text[r].dropFirst("character ".count)) {
                var line = 1
                var column = 1
                for byte in data.prefix(offset) {
                    if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
                }
                return " at line \(line), column \(column)"
            }
        }
        return ""
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    // MARK: - Matching

    /// The GUIDs (8-4-4-4-12 hex digits, not part of a longer hex run) a file name holds, lowercased.
    static func guids(in name: String) -> [String] {
        let b = Array(name.utf8)
        func hex(_ c: UInt8) -> Bool { (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c) }
        func guid(at i: Int) -> Bool {
            for k in 0..<36 { if k == 8 || k == 13 || k == 18 || k == 23 ? b[i + k] != UInt8(ascii: "-") : !hex(b[i + k]) { return false } }
            return (i == 0 || !hex(b[i - 1])) && (i + 36 == b.count || !hex(b[i + 36]))
        }
        var out: [String] = []
        var i = 0
        while i + 36 <= b.count {
            if guid(at: i) { out.append(String(decoding: b[i..<i + 36], as: UTF8.self).lowercased()); i += 36 } else { i += 1 }
        }
        return out
    }

    static func sameID(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// The same entries, byte for byte, in any order.
    static func sameEntries(_ a: [WordEntry], _ b: [WordEntry]) -> Bool {
        guard a.count == b.count else { return false }
        let order = { (x: WordEntry, y: WordEntry) in ByteOrder.compare(x.word, y.word) < 0 }
        return zip(a.sorted(by: order), b.sorted(by: order)).allSatisfy {
            ByteOrder.equal($0.word, $1.word) && ByteOrder.equal($0.translation, $1.translation) && ByteOrder.equal($0.partOfSpeech, $1.partOfSpeech)
        }
    }

    /// A word that is in the list twice (byte-exact, as the archive keys words).
    static func firstDuplicate(_ words: [WordEntry]) -> String? {
        let sorted = words.map(\.word).sorted { ByteOrder.compare($0, $1) < 0 }
        for i in sorted.indices.dropFirst() where ByteOrder.equal(sorted[i - 1], sorted[i]) { return sorted[i] }
        return nil
    }

    static func lastError() -> String { String(cString: strerror(errno)) }

    static func posixReason(_ error: any Error) -> String? {
        let ns = error as NSError
        if let under = ns.userInfo[NSUnderlyingErrorKey] as? NSError, under.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(under.code))) }
        return ns.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(ns.code))) : nil
    }
}

/// A folder that cannot be imported: the file (or folder) at fault and what is wrong with it.
public enum ImportError: Error, Equatable, CustomStringConvertible {
    case file(String, String)

    public var description: String {
        switch self {
        case .file(let path, let why): "\(path): \(why)"
        }
    }
}
