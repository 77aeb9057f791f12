import Foundation
import TTSClient
import Yams

/// The server's sources (services it snapshots) and restore targets, each a name and an IBM service name whose
/// credentials are read as the CLI reads them (`<SERVICE_NAME>_URL`, `_APIKEY`, ... from the credentials file or
/// the environment). Secrets never appear in the file: it holds names only.
///
/// ```yaml
/// sources:
///   - name: prod
///     service_name: prod          # PROD_URL, PROD_APIKEY, ...
/// targets:
///   - name: standby
///     service_name: standby
/// ```
///
/// Without a file: one source `default` found as `tts-archive snapshot` finds its service, and any restore target
/// named by its service name (as `restore --to-service-name NAME`).
public struct ServerConfig: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var serviceName: String
        /// A source's `sync_to`: the target synced after each successful snapshot of the source.
        public var syncTo: String?
        public init(name: String, serviceName: String, syncTo: String? = nil) {
            self.name = name
            self.serviceName = serviceName
            self.syncTo = syncTo
        }
    }

    public var sources: [Entry]
    public var targets: [Entry]
    /// With no config file, a restore target may be any service name (resolved from the environment).
    public var targetsByServiceName: Bool
    /// Schedules by source name (keys `schedule`, `timezone`, `drill`, `keep`), the scheduler's settings
    /// (`scheduler:`) and where scheduled runs are reported (`notify:`): ScheduleConfig.swift.
    public var schedules: [String: SourceSchedule] = [:]
    public var scheduler = SchedulerSettings()
    public var notify = NotificationSettings()

    public init(sources: [Entry], targets: [Entry], targetsByServiceName: Bool = false) {
        self.sources = sources
        self.targets = targets
        self.targetsByServiceName = targetsByServiceName
    }

    /// No config file: the CLI's defaults.
    public static let cliDefaults = ServerConfig(
        sources: [Entry(name: "default", serviceName: CredentialProperties.defaultServiceName)], targets: [],
        targetsByServiceName: true)

    /// Keys of a source. The schedules and standby work add `schedule`, `drill`, `keep` and `sync_to` here.
    static let sourceKeys = ["name", "service_name", "sync_to"] + ScheduleConfigParser.sourceKeys
    static let targetKeys = ["name", "service_name"]
    static let topKeys = ["sources", "targets"] + ScheduleConfigParser.topKeys

    /// Reads and checks a config file; every problem is one ``ServerConfigError`` naming the file and the key.
    public static func load(path: String) throws -> ServerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServerConfigError(path: path, message: "cannot read the file (\(Self.reason(error, path: path)))")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> ServerConfig {
        func fail(_ message: String) -> ServerConfigError { ServerConfigError(path: path, message: message) }
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw fail("not valid YAML: \(String(describing: error).split(separator: "\n").joined(separator: " "))")
        }
        guard let top = root as? [String: Any] else {
            throw fail("expected a mapping with keys \(topKeys.joined(separator: " and "))")
        }
        if let unknown = top.keys.sorted().first(where: { !topKeys.contains($0) }) {
            throw fail("unknown key '\(unknown)' (known: \(topKeys.joined(separator: ", ")))")
        }
        let sources = try entries(top["sources"], key: "sources", known: sourceKeys, fail: fail)
        let targets = try entries(top["targets"], key: "targets", known: targetKeys, fail: fail)
        if sources.isEmpty { throw fail("sources: name at least one source") }
        for (index, source) in sources.enumerated() {
            if let target = source.syncTo, !targets.contains(where: { $0.name == target }) {
                let known = targets.map(\.name)
                throw fail("sources[\(index)].sync_to: '\(target)' is not a configured target; "
                           + (known.isEmpty ? "add it under targets" : "targets are: \(known.joined(separator: ", "))"))
            }
        }
        var config = ServerConfig(sources: sources, targets: targets)
        do {
            for (index, item) in ((top["sources"] as? [Any]) ?? []).enumerated() {
                if let map = item as? [String: Any], let schedule = try ScheduleConfigParser.schedule(map, at: "sources[\(index)]") {
                    config.schedules[sources[index].name] = schedule
                }
            }
            config.scheduler = try ScheduleConfigParser.scheduler(top["scheduler"])
            config.notify = try ScheduleConfigParser.notify(top["notify"])
        } catch let error as ScheduleConfigError {
            throw fail(error.description)
        }
        return config
    }

    private static func entries(_ value: Any?, key: String, known: [String], fail: (String) -> ServerConfigError) throws -> [Entry] {
        guard let value else { return [] }
        guard let list = value as? [Any] else { throw fail("\(key): expected a list of entries with \(known.joined(separator: ", "))") }
        var seen: Set<String> = []
        return try list.enumerated().map { index, item in
            let at = "\(key)[\(index)]"
            guard let map = item as? [String: Any] else { throw fail("\(at): expected a mapping with \(known.joined(separator: ", "))") }
            if let unknown = map.keys.sorted().first(where: { !known.contains($0) }) {
                throw fail("\(at): unknown key '\(unknown)' (known: \(known.joined(separator: ", ")))")
            }
            guard let name = map["name"] as? String, isName(name) else {
                throw fail("\(at).name: expected a name of letters, digits, '.', '_' or '-' (1 to 64)")
            }
            guard seen.insert(name).inserted else { throw fail("\(at).name: '\(name)' is named twice in \(key)") }
            let serviceName: String
            switch map["service_name"] {
            case nil: serviceName = name
            case let s as String where isName(s): serviceName = s
            default: throw fail("\(at).service_name: expected a service name of letters, digits, '.', '_' or '-'")
            }
            var syncTo: String?
            switch map["sync_to"] {
            case nil: break
            case let s as String where isName(s): syncTo = s
            default: throw fail("\(at).sync_to: expected the name of a configured target")
            }
            return Entry(name: name, serviceName: serviceName, syncTo: syncTo)
        }
    }

    /// Names of sources, targets and service names: what can stand in a URL and an environment variable prefix.
    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Why `path` could not be read, in a few words.
    static func reason(_ error: any Error, path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a folder" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        if error is CocoaError, (error as NSError).code == CocoaError.fileReadInapplicableStringEncoding.rawValue { return "not UTF-8 text" }
        return (error as NSError).localizedDescription
    }
}

public struct ServerConfigError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "config \(path): \(message)" }
}
