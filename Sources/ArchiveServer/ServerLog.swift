import Basics
import Foundation
import Logging

/// The server's log: one line per event on standard error, as text (`time level message key=value ...`) or, with
/// `--log-json`, as one JSON object per line. Messages and metadata are the server's own (method, path, status,
/// operation ids): never a header, a query, a body or a credential.
public struct ServerLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let json: Bool
    let write: @Sendable (String) -> Void

    public init(json: Bool, write: @escaping @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }) {
        self.json = json
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        // UTC with milliseconds, as ISO8601DateFormatter's internet time with fractional seconds prints it, without
        // building a formatter a line (a tenth of the CPU of a `GET /v1/snapshots`, logged once a request).
        let time = Timestamp.now()
        if json {
            var object: [String: String] = ["time": time, "level": level.rawValue, "message": message.description]
            for (key, value) in all { object[key] = value.description }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(object) { write(String(decoding: data, as: UTF8.self)) }
        } else {
            let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            write("\(time) \(level.rawValue) \(message)" + (pairs.isEmpty ? "" : " " + pairs))
        }
    }
}
