import ArchiveCore
import ArgumentParser
import Foundation
import TTSClient

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Put one live custom model back to its content in a snapshot, in place.",
        discussion: """
        Compares the live model MODEL (customization id or name) with its version in the snapshot (same \
        customization id, else the only model with the same name and language) and sends only what differs:
        add-words for missing or changed entries (in batches), one delete per entry the snapshot does not have, \
        and a metadata update when the name or description differ. The customization id stays the same. The \
        model is then read back and compared with the snapshot. A model's language cannot change; to bring back \
        a deleted model use `restore --model`. --dry-run prints the changes and sends nothing that writes. A \
        rename to a name holding a character the service's documentation forbids (\\ / : = & ?) is warned of. \
        On a terminal (without --json) one line shows the entries sent of the total.

        EXAMPLES
          tts-archive rollback "Medical terms" --to before-migration --dry-run
          tts-archive rollback 64f4807f-a5f1-5867-924f-7bba1a84fe97 --to latest~1
          tts-archive rollback "Medical terms" --to-at 2026-11-14 --json

        \(ServiceOptions.credentialsHelp)

        \(ExitStatus.helpSection(.success, .differences, .failure, .archive, .auth, .usage, .interrupted))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var service: ServiceOptions
    @Argument(help: ArgumentHelp("The live model: customization id or name.", valueName: "model")) var model: String
    @Option(help: ArgumentHelp("The snapshot to roll back to: an id, latest, latest~N or a tag.", valueName: "snapshot")) var to: String?
    @Option(name: .customLong("to-at"), help: ArgumentHelp("Instead of --to: the last snapshot at or before this time.", valueName: "time")) var toAt: String?
    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Words per add-words request.", valueName: "n")) var batchSize = RestoreOptions.defaultBatchSize
    @Flag(name: .customLong("dry-run"), help: "Print the changes; send nothing that writes.") var dryRun = false
    @Flag(help: "Print the plan as JSON.") var json = false

    func validate() throws {
        if (to == nil) == (toAt == nil) { throw ValidationError("give the snapshot with --to SNAPSHOT or --to-at TIME") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let kept = Interruption.Kept("what was sent stays; running the same command finishes the rollback")
        let status = try await reportingErrors { try await Interruption.cancellingOnSignals(kept: kept) { try await execute() } }
        if status != .success { throw status.exitCode }
    }

    private func execute() async throws -> ExitStatus {
        let store = try archiveOptions.open(.read)
        let selector = try toAt.map(SnapshotSelector.at) ?? SnapshotSelector.parse(to!)
        let snapshotID = try SnapshotReader(store).resolve(selector)
        return try await service.withClient { client in
            try await perform(store: store, client: client, snapshotID: snapshotID)
        }
    }

    private func perform(store: ArchiveStore, client: TextToSpeechClient, snapshotID: Int64) async throws -> ExitStatus {
        let plan = try await RollbackPlan.make(model: model, snapshot: snapshotID, store: store, client: client, batchSize: batchSize)
        if json { try Output.json(plan) } else { describe(plan) }
        if dryRun || plan.isEmpty { return .success }
        let display = JobDisplay(json: json)
        defer { display.close() }
        try await plan.apply(with: client, progress: display.sink)
        display.close()
        let after = try await RollbackPlan.make(model: plan.customizationID, snapshot: snapshotID, store: store, client: client)
        if !json {
            print(after.isEmpty ? "rolled back \(plan.customizationID) to snapshot \(snapshotID): verified, 0 differences"
                  : "rolled back, but \(after.addWords.count + after.deleteWords.count + after.metadata.count) differences remain")
        }
        return after.isEmpty ? .success : .differences
    }

    private func describe(_ plan: RollbackPlan) {
        let e = TerminalText.escape
        print("rollback \(e(plan.customizationID)) (\(e(plan.name ?? "")), \(e(plan.language ?? ""))) to snapshot \(plan.snapshotID)"
              + (plan.snapshotModelID == plan.customizationID ? "" : " model \(e(plan.snapshotModelID))"))
        if plan.isEmpty { return print("nothing to do: the live model equals the snapshot's") }
        for m in plan.metadata { print("  set \(m.field): \(m.old.map(TerminalText.quoted) ?? "-") -> \(m.new.map(TerminalText.quoted) ?? "-")") }
        for m in plan.metadata where m.field == "name" {
            if let warning = RestorePlan.nameWarning(m.new, step: "rename the model") { print("warning: \(e(warning))") }
        }
        for w in plan.addWords { print("  + \(e(w.word)) = \(e(w.translation))\(w.partOfSpeech.map { " (\(e($0)))" } ?? "")") }
        for w in plan.deleteWords { print("  - \(e(w))") }
        print("\(plan.addWords.count) entries to add or overwrite, \(plan.deleteWords.count) to delete, "
              + "\(plan.metadata.count) metadata fields; \(plan.requests) write requests\(dryRun ? " (dry run: nothing sent)" : "")")
    }
}
