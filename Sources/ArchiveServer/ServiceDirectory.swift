import Foundation
import TTSClient

/// The configured sources with their credentials resolved at start-up (as the CLI resolves them), and the restore
/// targets, resolved when a restore names one. Credentials stay here: responses, logs and the archive see names
/// and redacted URLs only.
struct ServiceDirectory: Sendable {
    struct Source: Sendable {
        var name: String
        var serviceName: String
        var credentials: ServiceCredentials?
        /// Redacted service URL: the archive's key of this source's history.
        var url: String?
        /// Why the credentials cannot be used (the no-config `default` source may have none).
        var error: String?
    }

    let config: ServerConfig
    let sources: [Source]
    private let lookup: @Sendable (String) throws -> ServiceCredentials

    /// Resolves every source. With a config file, a source whose credentials cannot be resolved, or two that
    /// resolve to the same URL, is an error; without one, the `default` source may be unusable (reads still work).
    init(config: ServerConfig, fromFile: Bool,
         lookup: @escaping @Sendable (String) throws -> ServiceCredentials = { try ServiceCredentials.forService($0) }) throws {
        self.config = config
        self.lookup = lookup
        var sources: [Source] = []
        var byURL: [String: String] = [:]
        for entry in config.sources {
            var source = Source(name: entry.name, serviceName: entry.serviceName)
            do {
                let credentials = try lookup(entry.serviceName)
                source.credentials = credentials
                source.url = credentials.redactedServiceURL
            } catch {
                let message = "source '\(entry.name)' (service name \(entry.serviceName)): \(error)"
                if fromFile { throw ServerStartError(message) }
                source.error = message
            }
            if let url = source.url {
                if let other = byURL[url] {
                    throw ServerStartError("sources '\(other)' and '\(entry.name)' resolve to the same service URL \(url); "
                                           + "the archive keys a source's history by its URL: configure it once")
                }
                byURL[url] = entry.name
            }
            sources.append(source)
        }
        self.sources = sources
    }

    var names: String { sources.map(\.name).joined(separator: ", ") }

    /// The source a request names, or the only one; 400 listing the sources otherwise.
    func source(_ name: String?, target field: String = "source") throws(APIError) -> Source {
        if let name {
            guard let s = sources.first(where: { $0.name == name }) else {
                throw .badRequest("no source named '\(name)'; sources are: \(names)", target: field)
            }
            return s
        }
        guard sources.count == 1 else {
            throw .badRequest("name a source: this server has \(sources.count) (\(names))", target: field)
        }
        return sources[0]
    }

    /// A source whose credentials resolved: what a job that talks to it needs.
    func usableSource(_ name: String?, target field: String = "source") throws(APIError) -> (Source, ServiceCredentials) {
        let s = try source(name, target: field)
        guard let credentials = s.credentials else {
            throw .badRequest(s.error ?? "source '\(s.name)' has no credentials", target: field, code: "credentials")
        }
        return (s, credentials)
    }

    /// The source whose snapshots a selector such as `latest` counts: the named one, the only one, else none
    /// (every snapshot) when the name is absent and several exist is refused as ``source(_:target:)`` does.
    func sourceURL(_ name: String?) throws(APIError) -> String? {
        try source(name).url
    }

    /// A restore target: one of the config's targets, or (no config file) any service name.
    func target(_ name: String, field: String = "target") throws(APIError) -> (name: String, credentials: ServiceCredentials) {
        let serviceName: String
        if let entry = config.targets.first(where: { $0.name == name }) {
            serviceName = entry.serviceName
        } else if config.targetsByServiceName, ServerConfig.isName(name) {
            serviceName = name
        } else {
            let known = config.targets.map(\.name)
            throw .badRequest("no restore target named '\(name)'; "
                              + (known.isEmpty ? "this server's config names none" : "targets are: \(known.joined(separator: ", "))"),
                              target: field)
        }
        do {
            return (name, try lookup(serviceName))
        } catch {
            throw .badRequest("target '\(name)' (service name \(serviceName)): \(error)", target: field, code: "credentials")
        }
    }
}

/// Why the server cannot start: one line, exit 2.
public struct ServerStartError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
