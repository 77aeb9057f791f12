import ArchiveCore
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
        by its service name (as `restore --to-service-name NAME`). A source's `sync_to: TARGET` (a configured \
        target) syncs that warm standby after each successful snapshot of the source (POST /v1/syncs otherwise).

        It also serves a web page at / (see docs/page.md): the timeline of snapshots with a chart of each \
        night's changes, a snapshot's models and words, diffs, a word's history (also GET /v1/words/history, \
        as `log --json`) and the operations with live progress. With a token, the page asks for it once and \
        keeps a session cookie (reads are open with --public-read); starting an operation needs it.

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

        SCHEDULES, METRICS, NOTIFICATIONS (docs/schedules-and-metrics.md)
          A source's config keys `schedule` ("0 2 * * *", 5 fields), `timezone` (default UTC), `drill: true` \
        (a drill after each snapshot) and `keep:` (daily: 7, weekly: 4, ...: forget's --keep-* rules for that \
        source, after each snapshot) schedule its snapshots; the config's `scheduler:` (jitter: 30s, \
        max_concurrent: 2, catch_up: true) and `notify:` (webhook: URL, command: [PROGRAM, ARG], on: failure or \
        always, timeout: 10s, retries: 3) apply to all. Without --config, --schedule "CRON" (with --schedule-tz, \
        --schedule-drill, --schedule-keep-*) schedules the `default` source. At start-up a source whose newest \
        snapshot (the CLI's count) is older than its schedule's interval runs once. GET /v1/schedules lists them \
        (POST /v1/schedules/SOURCE:pause and :resume); GET /metrics answers Prometheus metrics.

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
    @Option(name: .customLong("schedule"), help: ArgumentHelp("Snapshot the `default` source at this cron expression's firings (no --config).", valueName: "cron"))
    var schedule: String?
    @Option(name: .customLong("schedule-tz"), help: ArgumentHelp("Time zone of --schedule (default UTC).", valueName: "zone"))
    var scheduleTimeZone: String?
    @Flag(name: .customLong("schedule-drill"), help: "With --schedule: a drill after each scheduled snapshot.")
    var scheduleDrill = false
    @Option(name: .customLong("schedule-keep-last"), help: "With --schedule: after each snapshot, forget's --keep-last N.") var keepLast = 0
    @Option(name: .customLong("schedule-keep-hourly"), help: "... --keep-hourly N.") var keepHourly = 0
    @Option(name: .customLong("schedule-keep-daily"), help: "... --keep-daily N.") var keepDaily = 0
    @Option(name: .customLong("schedule-keep-weekly"), help: "... --keep-weekly N.") var keepWeekly = 0
    @Option(name: .customLong("schedule-keep-monthly"), help: "... --keep-monthly N.") var keepMonthly = 0
    @Option(name: .customLong("schedule-keep-yearly"), help: "... --keep-yearly N.") var keepYearly = 0
    @Option(name: .customLong("schedule-keep-within"), help: ArgumentHelp("... --keep-within DURATION.", valueName: "duration")) var keepWithin: String?
    @Option(name: .customLong("schedule-keep-tag"), help: "... --keep-tag TAG; repeatable.") var keepTag: [String] = []
    /// Test-only (scripts/schedule-test): the scheduler's clock runs this many times faster than the wall clock.
    @Option(name: .customLong("schedule-clock-speed"), help: .hidden) var clockSpeed: Double?

    /// The `default` source's schedule from the --schedule flags (nil without --schedule).
    func scheduleFromFlags() throws -> SourceSchedule? {
        var keep = RetentionPolicy()
        keep.last = keepLast; keep.hourly = keepHourly; keep.daily = keepDaily
        keep.weekly = keepWeekly; keep.monthly = keepMonthly; keep.yearly = keepYearly
        if let keepWithin {
            guard let within = try? RetentionPolicy.parseDuration(keepWithin) else {
                throw ServerStartError("--schedule-keep-within takes a duration such as 30d, 2w, 1y6m or 36h, not '\(keepWithin)'")
            }
            keep.within = within
        }
        keep.tags = keepTag
        guard let schedule else {
            if scheduleTimeZone != nil || scheduleDrill || !keep.isEmpty {
                throw ServerStartError("--schedule-tz, --schedule-drill and --schedule-keep-* go with --schedule \"CRON\"")
            }
            return nil
        }
        do {
            return try SourceSchedule.make(schedule, timeZone: scheduleTimeZone, drill: scheduleDrill, keep: keep)
        } catch {
            throw ServerStartError("--schedule: \(error)")
        }
    }
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this PEM certificate (chain); needs --tls-key.", valueName: "path"))
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "path"))
    var tlsKey: String?

    func run() async throws {
        try await reportingErrors {
            let json = logJSON
            let logger = Logger(label: "tts-archive.server") { _ in ServerLogHandler(json: json) }
            var options = ServerOptions(archivePath: ArchiveOptions.resolve(flag: archiveOptions.archive, environment: Output.environment),
                                        listen: listen, configPath: config, tokenFile: tokenFile, publicRead: publicRead,
                                        version: BuildInfo.version, tlsCertificate: tlsCert, tlsKey: tlsKey)
            options.schedule = try scheduleFromFlags()
            if let clockSpeed { options.schedulerClock = FastSchedulerClock(speed: clockSpeed) }
            let server = try ArchiveHTTPServer(options, logger: logger)
            try await server.run(onListening: { port in
                // The first stdout line is the URL (port 0 picks one), as `tts-archive emulator` prints its own.
                let host = server.host.contains(":") ? "[\(server.host)]" : server.host
                Output.line(Array("\(server.scheme)://\(host):\(port)".utf8))
                logger.info("listening", metadata: ["url": "\(server.scheme)://\(host):\(port)", "archive": "\(server.options.archivePath)"])
            })
        }
    }
}
