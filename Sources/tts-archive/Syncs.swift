import ArchiveCore
import ArgumentParser
import Foundation

struct Syncs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncs",
        abstract: "List the targets `sync` keeps in step, and their drift.",
        discussion: """
        Columns: target URL (never credentials), the snapshot it last equalled and when (UTC), models paired \
        with it, twins kept on it after their source was removed (--keep-removed), how many snapshots of the \
        same source are newer (BEHIND), and the newest sync run with its status (running = killed or still \
        going, failed = resumable by running the same sync again).

        --drift also reads the model list of the target given by the service options (--service-name or \
        --url, as for `sync`) and compares it through the pairing with the snapshot it last equalled: models \
        deleted, renamed or re-described on it, or added to it, are printed as `diff` shows them (exit 1).

        EXAMPLES
          tts-archive syncs
          tts-archive syncs --drift --service-name standby
          tts-archive syncs --json | jq '.[] | select(.behind > 0) | .target'

        \(ServiceOptions.credentialsHelp)

        \(ExitStatus.helpSection(.success, .differences, .failure, .archive, .auth, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var service: ServiceOptions
    @Flag(help: "Read the target's models (service options) and list its drift.") var drift = false
    @Flag(help: "Print JSON (an array of targets) instead of a table.") var json = false

    func run() async throws {
        let status = try await reportingErrors { try await execute() }
        if status != .success { throw status.exitCode }
    }

    private func execute() async throws -> ExitStatus {
        let store = try archiveOptions.open(.read)
        let targets = try SyncTargetSummary.all(in: store)
        guard drift else {
            if json {
                try Output.json(targets)
            } else if targets.isEmpty {
                print("no sync targets in \(store.path)")
            } else {
                table(targets)
            }
            return .success
        }
        let found = try await service.withClient { client -> ArchiveDiff in
            guard let pairing = try SyncPairing.load(target: client.serviceURL, in: store) else {
                throw SyncError.notPaired(target: client.serviceURL)
            }
            return try await Syncer(store: store, client: client, concurrency: service.concurrency)
                .plan(snapshot: pairing.snapshot, options: SyncOptions()).drift
        }
        if json {
            Output.lines { found.writeJSON(to: $0) }
        } else {
            table(targets.filter { $0.target == found.to.replacingOccurrences(of: "live ", with: "") })
            SyncText.drift(found, json: false)
        }
        return found.summary.isEmpty ? .success : .differences
    }

    private func table(_ targets: [SyncTargetSummary]) {
        Output.table(["TARGET", "SNAPSHOT", "SYNCED (UTC)", "MODELS", "KEPT", "BEHIND", "LAST RUN"],
                     targets.map { t in
                         [t.target, String(t.snapshot), String(t.syncedAt.prefix(19)).replacingOccurrences(of: "T", with: " "),
                          String(t.models), String(t.kept), String(t.behind),
                          t.lastRun.map { "\($0) \(t.lastRunStatus?.rawValue ?? "")" } ?? "-"]
                     },
                     numeric: [1, 3, 4, 5])
    }
}
