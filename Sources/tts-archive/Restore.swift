import ArchiveCore
import ArgumentParser
import Foundation

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Re-create a snapshot's custom models and words in a service instance.",
        discussion: """
        Creates each model of the snapshot anew in the target instance (new customization ids: the report maps \
        old id -> new id) and adds its words in service order, in batches of --batch-size (POST .../words) or \
        one PUT per word (--mode single). A batch the service refuses (400) is split until the refused entries \
        are isolated; they are reported with the service's message and the rest is restored. Prompts are listed \
        as not restorable (the service never returns their audio). A model whose name holds a character the \
        service's documentation forbids in names (\\ / : = & ?) gets a warning line in the plan and in the \
        report (on stderr with --json): the service may refuse to create it.

        The target must hold no models unless --existing says what to do with them: skip (leave same-name \
        models alone), update (add the words into the existing same-name model, set its description) or \
        replace (delete same-name models first). Names are not unique on the service: "same" means the same \
        name and language.

        Every step is journaled in the archive. A failed, killed or cancelled (Ctrl-C, SIGTERM: exit 130, status \
        `cancelled`) run is resumed by running the same command \
        again (or --resume RUN) and never creates a model twice; a resumed run keeps its recorded options. \
        Afterwards the restored models are read back and compared with the snapshot (unless --no-verify). \
        --dry-run prints the plan (models, batches, requests, conflicts) and sends nothing that writes. On a \
        terminal (without --json) one line shows the phase (plan, replay, verify) and the models and words done.

        EXAMPLES
          tts-archive restore latest --to-service-name restore_target --dry-run
          tts-archive restore latest --to-service-name restore_target
          tts-archive restore --at 2026-11-14 --to-service-name restore_target --model "Medical terms" --existing replace
          tts-archive restore 42 --to-url http://127.0.0.1:8080 --auth-type noAuth --mode single
          tts-archive restore --resume 3 --to-service-name restore_target

        \(ServiceOptions.credentialsHelp)

        \(ExitStatus.helpSection(.success, .differences, .failure, .archive, .locked, .auth, .usage, .interrupted))
          (2 also when the service refused entries or a model failed; resume retries)
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var snapshot: SnapshotArgument
    @OptionGroup var service: ServiceOptions
    @Option(help: FilterHelp.model) var model: [String] = []
    @Option(help: FilterHelp.language) var language: [String] = []
    @Option(help: "When the target has models: fail, or skip, update or replace the models matching by name and language.")
    var existing: ExistingPolicy = .fail
    @Option(help: "batch (POST .../words) or single (PUT per word).") var mode: RestoreMode = .batch
    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Words per add-words request.", valueName: "n")) var batchSize = RestoreOptions.defaultBatchSize
    @Option(help: ArgumentHelp("Resume this restore run (see `tts-archive restores`).", valueName: "run")) var resume: Int64?
    @Flag(name: .customLong("dry-run"), help: "Print the plan; send nothing that writes.") var dryRun = false
    @Flag(name: .customLong("no-verify"), help: "Do not read the restored models back.") var noVerify = false
    @Flag(help: "Print the plan or report as JSON.") var json = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if resume != nil, dryRun { throw ValidationError("--dry-run plans a new run; a resumed run follows its journal") }
        if resume == nil, snapshot.snapshot == nil, snapshot.at == nil {
            throw ValidationError("name a snapshot (an id, latest, latest~N, a tag), give --at TIME, or --resume RUN")
        }
    }

    func run() async throws {
        let kept = Interruption.Kept(dryRun ? "nothing sent" : "the restore can be resumed by running the same command")
        let status = try await reportingErrors { try await Interruption.cancellingOnSignals(kept: kept) { try await execute() } }
        if status != .success { throw status.exitCode }
    }

    private func execute() async throws -> ExitStatus {
        let store = try archiveOptions.open(.write)
        let lock = try ArchiveLock(archivePath: store.path, purpose: "restore")
        defer { withExtendedLifetime(lock) {} }
        let options = RestoreOptions(filter: ModelFilter(languages: language, models: model),
                                     existing: existing, mode: mode, batchSize: batchSize)
        let snapshotID: Int64 = resume == nil ? try SnapshotReader(store).resolve(try snapshot.selector()) : 0
        if resume == nil { try SnapshotReader(store).check(options.filter, in: snapshotID) }
        return try await service.withClient { client in
            try await perform(Restorer(store: store, client: client, concurrency: service.concurrency, verify: !noVerify),
                              snapshotID: snapshotID, options: options)
        }
    }

    private func perform(_ restorer: Restorer, snapshotID: Int64, options: RestoreOptions) async throws -> ExitStatus {
        if dryRun {
            let plan = try await restorer.plan(snapshot: snapshotID, options: options)
            if json { try Output.json(plan) } else { RestoreText.plan(plan) }
            return .success
        }
        let display = JobDisplay(json: json)
        defer { display.close() }
        let report = try await restorer.run(snapshot: snapshotID, options: options, resume: resume, progress: display.sink)
        try display.printReport(report, json: json, text: RestoreText.report)
        if report.status != .complete { return .failure }
        if let v = report.verification, !v.differences.summary.isEmpty { return .differences }
        return .success
    }
}

/// Text output of `restore`.
enum RestoreText {
    static func plan(_ plan: RestorePlan) {
        print("restore plan: snapshot \(plan.snapshotID) -> \(plan.target) (existing: \(plan.options.existing.rawValue), "
              + "mode: \(plan.options.mode.rawValue)\(plan.options.mode == .batch ? ", batch size \(plan.options.batchSize)" : ""))")
        Output.table(["ACTION", "SOURCE ID", "LANGUAGE", "WORDS", "REQUESTS", "NAME"],
                     plan.items.map { [$0.action.rawValue, $0.sourceID, $0.language ?? "", String($0.words), String($0.requests), $0.name ?? ""] },
                     numeric: [3, 4])
        for item in plan.items {
            if let warning = item.warning { print("warning: model \(item.sourceID): \(warning)") }
        }
        for c in plan.conflicts {
            print("conflict: \(TerminalText.quoted(c.name ?? "")) (\(TerminalText.escape(c.language ?? ""))) exists in the target as \(TerminalText.escape(c.targetIDs.joined(separator: ", ")))")
        }
        let restored = plan.items.filter { $0.action != .skip }
        print("\(restored.count) models, \(plan.words) words, \(plan.requests) write requests; the target has \(plan.targetModels) other models")
        if !plan.promptsNotRestorable.isEmpty {
            print("not restorable: \(plan.promptsNotRestorable.count) prompts (the service never returns prompt audio)")
        }
    }

    /// One line per model the run created (or was to create) whose name the service may refuse.
    static func nameWarnings(_ models: [RestoreReport.Model]) -> [String] {
        models.compactMap { m in
            guard m.action == .create || m.action == .replace,
                  let warning = RestorePlan.nameWarning(m.name) else { return nil }
            return "warning: model \(m.sourceID): \(warning)"
        }
    }

    static func report(_ report: RestoreReport) {
        Output.table(["OLD ID", "NEW ID", "WORDS", "STATUS", "NAME"],
                     report.models.map { [$0.sourceID, $0.targetID ?? "-", String($0.words), $0.status.rawValue, $0.name ?? ""] },
                     numeric: [2])
        for line in nameWarnings(report.models) { print(line) }
        for m in report.models {
            let e = TerminalText.escape
            for r in m.rejections { print("rejected: \(e(m.name ?? m.sourceID)): \(TerminalText.quoted(r.word)): \(e(r.message))") }
            if let message = m.message, m.status == .failed { print("failed: \(e(m.name ?? m.sourceID)): \(e(message))") }
        }
        let done = report.models.filter { $0.status == .done }.count
        print("restore run \(report.runID)\(report.resumed ? " (resumed)" : ""): \(report.status.rawValue); \(done) models, "
              + "\(report.wordsRestored) words restored, \(report.rejectedEntries) entries rejected")
        if let v = report.verification {
            let s = v.differences.summary
            if s.isEmpty {
                print("verified: \(v.models) models, \(v.words) words, 0 differences")
            } else {
                print("verify found differences (models +\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), "
                      + "words +\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)); see `tts-archive diff \(report.snapshotID) live --match-by name`")
            }
        }
        if report.promptsNotRestorable > 0 { print("note: \(report.promptsNotRestorable) prompts not restorable (no audio from the service)") }
        if report.status == .failed { print("resume with: tts-archive restore --resume \(report.runID) (same target options)") }
    }
}
