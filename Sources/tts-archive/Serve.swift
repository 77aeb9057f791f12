import ArchiveServer
import ArgumentParser
import Foundation
import Logging

/// `tts-archive serve`: the archive server (ArchiveServer), a long-running process.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the archive over HTTP: reads, and snapshots, restores, drills and rollbacks as long-running operations.",
        discussion: """
        Answers the API described by GET /openapi.yaml (see docs/server.md): reads of snapshots, models, words \
        and diffs, and POST /v1/snapshots, /v1/restores, /v1/drills and /v1/rollbacks, which answer 202 Accepted \
        with Operation-Location (the status monitor to poll), Operation-Id and Retry-After. Operations are rows \
        in the archive: they outlive the process; one running when it stopped is marked Failed (interrupted) and \
        a restore can be resumed. The jobs are the CLI's: each writer takes the archive's run lock for its own \
        duration, so `serve` and a cron `snapshot` never write at once.

        --config FILE (YAML) names sources and restore targets by IBM service name (credentials are read as the \
        CLI reads them, never from the file):
          sources:
            - name: prod
              service_name: prod        # PROD_URL, PROD_APIKEY, ...
          targets:
            - name: standby
              service_name: standby
        Without it: one source `default` found as `snapshot` finds its service, and any restore target named \
        by its service name (as `restore --to-service-name NAME`).

        The first line on standard output is the URL it listens on; the log (one line per request and per \
        operation state change, never a credential) goes to standard error. Listens on 127.0.0.1:8080 by default. Listening elsewhere needs an API token (TTS_ARCHIVE_TOKEN or \
        --token-file PATH, never a flag value); with a token every request but /healthz, /readyz and \
        /openapi.yaml needs `Authorization: Bearer TOKEN` (reads are open with --public-read). With \
        --tls-cert and --tls-key (PEM files) it serves HTTPS itself, and its links are https; else put a \
        reverse proxy in front (docs/server.md). SIGTERM or SIGINT stops it gracefully: running operations \
        are cancelled and marked interrupted.

        EXAMPLES
          tts-archive serve --archive /var/backups/tts.sqlite
          TTS_ARCHIVE_TOKEN=... tts-archive serve --listen 0.0.0.0:8080 \\
              --config /etc/tts-archive/server.yaml
          curl -si -X POST http://127.0.0.1:8080/v1/snapshots

        CREDENTIALS
          Each source's and target's, read as IBM's SDKs read them (see
          `tts-archive help snapshot`), with PREFIX its service name
          upper-cased: the `default` source reads TEXT_TO_SPEECH_URL, ...

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT (port 0 picks one: the first output line says which).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(help: ArgumentHelp("YAML file naming sources and restore targets.", valueName: "file"))
    var config: String?
    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the API token (else $TTS_ARCHIVE_TOKEN).", valueName: "path"))
    var tokenFile: String?
    @Flag(name: .customLong("public-read"), help: "With a token: let reads (GET) through without it.")
    var publicRead = false
    @Flag(name: .customLong("log-json"), help: "Log one JSON object per line (default: text) on stderr.")
    var logJSON = false
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this PEM certificate (chain); needs --tls-key.", valueName: "path"))
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "path"))
    var tlsKey: String?

    func run() async throws {
        try await reportingErrors {
            let json = logJSON
            let logger = Logger(label: "tts-archive.server") { _ in ServerLogHandler(json: json) }
            let server = try ArchiveHTTPServer(
                ServerOptions(archivePath: ArchiveOptions.resolve(flag: archiveOptions.archive, environment: Output.environment),
                              listen: listen, configPath: config, tokenFile: tokenFile, publicRead: publicRead,
                              version: BuildInfo.version, tlsCertificate: tlsCert, tlsKey: tlsKey),
                logger: logger)
            try await server.run(onListening: { port in
                // The first stdout line is the URL (port 0 picks one), as `tts-archive emulator` prints its own.
                let host = server.host.contains(":") ? "[\(server.host)]" : server.host
                Output.line(Array("\(server.scheme)://\(host):\(port)".utf8))
                logger.info("listening", metadata: ["url": "\(server.scheme)://\(host):\(port)", "archive": "\(server.options.archivePath)"])
            })
        }
    }
}
