import Foundation
import TTSAPI

/// Export in the format of `GET /v1/customizations/{id}`, one JSON file per model: what IBM's manual backup
/// procedure produces and what other tools read. Import is ``ImportFolder`` and ``DirectorySource``.
public enum Interchange {
    /// Writes `<customization_id>.json` for each model of a snapshot into `directory` (created if needed, with
    /// its parents), in the JSON layout of ``JSONWriter/prettyModel(_:words:)``. Refuses to overwrite files (or
    /// follow a link where a file would go) and names the path at fault when it cannot write. Returns the paths
    /// written.
    @discardableResult
    public static func export(_ models: [CustomModel], to directory: String) throws -> [String] {
        try makeFolder(directory)
        return try models.map { try writeModel($0, words: PackedWords($0.words ?? []), into: directory) }
    }

    public struct Exported: Sendable, Equatable {
        public var files: [String]
        public var words: Int
    }

    /// The same for the models of snapshot `snapshot` that `filter` selects, read and written one model at a time
    /// (the snapshot's words are never all in memory, and no String is made per word).
    public static func export(snapshot: Int64, of store: ArchiveStore, filter: ModelFilter = .init(),
                              to directory: String) async throws -> Exported {
        let stream = try SnapshotStream(path: store.path, snapshot: snapshot)
        try makeFolder(directory)
        var out = Exported(files: [], words: 0)
        let models = stream.models.filter(filter.matches)
        // The next model's words are read (on the stream's actor) while this one is written: two cores, about
        // half the time of reading and writing in turn.
        var next: Task<PackedWords, Error>? = models.first.map { m in Task { try await stream.words(of: m.customizationID) } }
        for (i, model) in models.enumerated() {
            let words = try await next!.value
            next = i + 1 < models.count ? Task { [id = models[i + 1].customizationID] in try await stream.words(of: id) } : nil
            out.files.append(try writeModel(model, words: words, into: directory))
            out.words += words.count
        }
        return out
    }

    private static func writeModel(_ model: CustomModel, words: PackedWords, into directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(PathSegment.encode(model.customizationID) + ".json")
        var bytes = JSONWriter.prettyModel(model, words: words)
        bytes.append(0x0A)
        try writeNew(path, Data(bytes))
        return path
    }

    /// `directory` as a folder: an existing one, or made with its parents.
    static func makeFolder(_ directory: String) throws {
        func isFolder(_ path: String) -> Bool? {
            var st = stat()
            return stat(path, &st) == 0 ? st.st_mode & S_IFMT == S_IFDIR : nil
        }
        switch isFolder(directory) {
        case true?: return
        case false?: throw InterchangeError.cannotWrite(directory, "it is a file, not a folder; name a new or empty folder")
        case nil: break
        }
        var missing: [String] = [], path = directory
        while !path.isEmpty, path != "/", isFolder(path) == nil {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for folder in missing.reversed() where mkdir(folder, 0o755) != 0 {
            let code = errno
            if code == EEXIST, isFolder(folder) == true { continue }  // made by someone else meanwhile
            throw InterchangeError.cannotWrite(directory, "cannot create the folder\(folder == directory ? "" : " " + folder): \(reason(code))")
        }
    }

    /// Creates `path` (never an existing file or link) with mode 0600 and writes `data`; a partial file is removed.
    static func writeNew(_ path: String, _ data: Data) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST || errno == ELOOP { throw InterchangeError.exists(path) }
            throw InterchangeError.cannotWrite(path, "cannot create the file: \(reason(errno))")
        }
        var failure: Int32 = 0
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == 0, close(fd) != 0 { failure = errno } else if failure != 0 { close(fd) }
        if failure != 0 {
            unlink(path)
            throw InterchangeError.cannotWrite(path, "cannot write the file: \(reason(failure))")
        }
    }

    /// What an errno means for someone choosing where to export.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: "permission denied; choose a folder you may write to"
        case ENOTDIR: "a part of the path is a file, not a folder"
        case EROFS: "the file system is read-only; choose another folder"
        case ENOSPC, EDQUOT: "the disk is full (or the quota used up); free space or choose another disk"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}

public enum InterchangeError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case unreadable(String, String)
    /// An export path that cannot be written, and why.
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .exists(let p): "\(p) already exists; export into an empty folder"
        case .unreadable(let p, let why): "\(p): \(why)"
        case .cannotWrite(let p, let why): "cannot export to \(p): \(why)"
        }
    }
}
