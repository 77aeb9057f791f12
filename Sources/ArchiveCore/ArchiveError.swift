/// Why an archive cannot be used. Each case prints as one line that names the file and what is wrong; a front end
/// adds its own way out (the CLI names its commands, the server its endpoints).
public enum ArchiveError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    /// The file exists but holds nothing yet (an empty file, a SQLite database without tables).
    case empty(path: String)
    case notAnArchive(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case newerSchema(path: String, reason: String)
    case schemaMismatch(path: String, reason: String)
    case readOnly(path: String)
    case locked(path: String, holder: String)
    case diskFull(path: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let p): "no archive at \(p)"
        case .notAnArchive(let p, let r): "\(p) is not a tts-archive archive: \(r)"
        case .empty(let p): "\(p) is not an archive yet (it is empty)"
        case .corrupt(let p, let r): "the archive is damaged: \(p): \(r)"
        case .newerSchema(let p, let r): "\(p): \(r)"
        case .schemaMismatch(let p, let r): "\(p): \(r)"
        case .readOnly(let p): "\(p) is read-only; this command needs to write to it"
        case .locked(let p, let h): "\(p) is in use by another run (\(h)); try again when it finishes"
        case .diskFull(let p): "the disk holding \(p) is full; nothing was changed"
        case .io(let p, let r): "\(p): \(r)"
        }
    }
}
