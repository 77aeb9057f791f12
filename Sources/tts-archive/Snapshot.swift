import ArchiveCore
import ArgumentParser
import Foundation

struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Record every custom model and word of a service instance as a new snapshot.",
        discussion: """
        Lists the instance's custom models, fetches each with its words and prompt metadata (--concurrency at \
        a time), and records them as one snapshot, atomically: until it is complete nothing is visible, and any \
        failure (service, network, disk, kill) leaves the archive as it was. A model that changes during the \
        run is fetched again; one deleted during the run is recorded as gone. Unchanged models cost no storage. \
        Prompt audio is never returned by the service: prompts are recorded as metadata, not restorable.

        An answer that cannot be trusted fails the run (exit 2) and records nothing: a model's answer for \
        another customization id or without a words array, a name over 256 or a description over 128 \
        characters, entries beyond the service's limits, an id that is not a GUID. Every model's archived rows \
        are compared with the answer: rows altered in the archive since they were written are rewritten from \
        the answer ("healed: model ...", also off a terminal; "healed" in --json), and `check` reports the \
        damage left in older snapshots.

        Quiet when not on a terminal (cron); progress on a terminal; --json prints a summary. One run at a time \
        per archive: a second run waits up to --wait, then fails with exit 4; a killed run leaves no lock. \
        Ctrl-C or SIGTERM cancels the run: "cancelled by SIGINT: nothing recorded", exit 130 (a second signal \
        ends the process at once). `tag` may write while a snapshot runs.

        --drill then proves the new snapshot restores: it is replayed into an in-process emulator and read \
        back (see `tts-archive drill`); a drill that finds differences exits 1, one that fails exits 2, and the \
        snapshot is kept either way.

        EXAMPLES
          tts-archive snapshot
          tts-archive snapshot --drill
          tts-archive snapshot --tag before-migration --note "before the bulk import"
          tts-archive snapshot --service-name restore_target --archive /backups/target.sqlite --json
          # crontab: every night at 02:30
          30 2 * * *  TTS_ARCHIVE=/var/backups/tts.sqlite /usr/local/bin/tts-archive snapshot

        \(ServiceOptions.credentialsHelp)

        \(ExitStatus.helpSection(.success, .differences, .failure, .archive, .locked, .auth, .usage, .interrupted))
          (1 or 2 also when --drill found differences or failed; the snapshot stays)
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var service: ServiceOptions
    @Option(help: "Tag for the new snapshot; repeatable.") var tag: [String] = []
    @Option(help: "A note stored with the snapshot.") var note: String?
    @Option(help: "Only models of this language (a separate lineage in the archive); repeatable; each must match a model.") var language: [String] = []
    @Option(help: "Only this model, by customization id or name (a separate lineage); repeatable; each must match a model.") var model: [String] = []
    @Option(help: ArgumentHelp("Seconds to wait for another run holding the archive.", valueName: "seconds")) var wait: Double = 0
    @Flag(help: "Then replay the new snapshot into an in-process emulator and verify it (see `drill`).") var drill = false
    @Flag(help: "Print a JSON summary.") var json = false
    @Flag(name: .shortAndLong, help: "Print a summary even when not on a terminal.") var verbose = false

    func run() async throws {
        let kept = Interruption.Kept("nothing recorded")
        let status = try await reportingErrors {
            try await Interruption.cancellingOnSignals(kept: kept) { try await execute(kept: kept) }
        }
        if status != .success { throw status.exitCode }
    }

    private func execute(kept: Interruption.Kept) async throws -> ExitStatus {
        for t in tag { try SnapshotSelector.validateTag(t) }
        let store = try archiveOptions.open(.write)
        let lock = try ArchiveLock(archivePath: store.path, purpose: "snapshot", wait: .milliseconds(Int64(wait * 1000)))
        defer { withExtendedLifetime(lock) {} }
        let display = JobDisplay(json: json)
        let interactive = display.interactive
        let options = SnapshotOptions(concurrency: service.concurrency, note: note, tags: tag,
                                      filter: ModelFilter(languages: language, models: model))
        let summary = try await service.withClient { client in
            defer { display.close() }
            return try await Snapshotter.run(store: store, source: ServiceModelSource(client: client), options: options, progress: display.sink)
        }
        var drillResult: RestoreDrill.Result?
        kept.text = "snapshot \(summary.snapshotID) is recorded" + (drill ? "; its drill did not finish" : "")
        if drill {
            drillResult = try await DrillRun.perform(store: store, snapshot: summary.snapshotID, filter: options.filter,
                                                     concurrency: 4)
        }
        if json {
            try Output.json(SnapshotAndDrill(snapshot: summary, drill: drillResult))
            return drillResult.map(DrillRun.exitStatus) ?? .success
        } else if interactive || verbose {
            print("snapshot \(summary.snapshotID): \(summary.models) models, \(summary.words) words, \(summary.prompts) prompts "
                  + "(models +\(summary.modelsAdded) -\(summary.modelsRemoved) ~\(summary.modelsChanged), "
                  + "words +\(summary.wordsAdded) -\(summary.wordsRemoved) ~\(summary.wordsChanged)) from \(summary.source)")
            if !summary.goneDuringRun.isEmpty { print("deleted during the run: \(TerminalText.escape(summary.goneDuringRun.joined(separator: ", ")))") }
            if summary.prompts > 0 { print("note: \(summary.prompts) prompts recorded as metadata only (the service never returns prompt audio)") }
        }
        // Said even off a terminal (cron mails it): the archive was damaged, and older snapshots still are.
        if !json {
            for h in summary.healed {
                print("healed: model \(h.customizationID)\(h.name.map { " (\($0.debugDescription))" } ?? ""): \(h.rows) damaged "
                      + "row\(h.rows == 1 ? "" : "s") in the archive rewritten from the service's answer; older snapshots keep "
                      + "the damage (see `tts-archive check`)")
            }
        }
        guard let drillResult else { return .success }
        // Quiet off a terminal as the snapshot is (cron mails any output): a drill that passed says nothing.
        if interactive || verbose || drillResult.status != .passed { DrillRun.print(drillResult) }
        return DrillRun.exitStatus(drillResult)
    }
}

/// `snapshot --json`: the summary's fields, plus `drill` when one ran (so the shape without --drill is unchanged).
private struct SnapshotAndDrill: Encodable {
    var snapshot: SnapshotSummary
    var drill: RestoreDrill.Result?

    enum CodingKeys: String, CodingKey { case drill }

    func encode(to encoder: any Encoder) throws {
        try snapshot.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(drill, forKey: .drill)
    }
}
