import ArchiveCore
import ArgumentParser
import Foundation
import InProcessEmulator

struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Prove a snapshot restores: replay it into an in-process emulator and verify it.",
        discussion: """
        Creates an empty emulator of the service inside this process (called directly: no port is opened, \
        nothing leaves the process), restores the snapshot into it exactly as `restore` would (create each \
        model, add its words in batches) and reads it back: the drill passes when every model and word came \
        back with 0 differences. The archive is only read (the drill's journal is a scratch file, deleted \
        afterwards), so a drill can run on a read-only copy and `snapshot --drill` adds nothing to the archive. \
        On a terminal (without --json) one line shows the phase and the models and words done.

        A drill catches what a restore would meet: entries the service would refuse, models that cannot be \
        re-created, an archive that cannot be read back. The emulator applies the service's documented rules \
        (reference limits, phoneme and part-of-speech checks); the real service may still refuse what the \
        emulator accepts: a model whose name holds a character the documentation forbids (\\ / : = & ?) is \
        restored by the emulator but gets a warning line.

        EXAMPLES
          tts-archive drill
          tts-archive drill latest~1 --json
          tts-archive drill --at 2026-11-14 --language ja-JP
          tts-archive snapshot --drill        # after every nightly snapshot

        \(ExitStatus.helpSection(.success, .differences, .failure, .archive, .usage, .interrupted))
          (2 also when the emulator refused entries or a model)
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var snapshot: SnapshotArgument
    @Option(help: FilterHelp.model) var model: [String] = []
    @Option(help: FilterHelp.language) var language: [String] = []
    @Option(help: "Models restored at once.") var concurrency = 4
    @Flag(help: "Print the result as JSON (with the full restore report).") var json = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let status = try await reportingErrors {
            try await Interruption.cancellingOnSignals(kept: Interruption.Kept("nothing recorded")) { try await execute() }
        }
        if status != .success { throw status.exitCode }
    }

    private func execute() async throws -> ExitStatus {
        let store = try archiveOptions.open(.read)
        let id = try SnapshotReader(store).resolve(try snapshot.selector(defaultLatest: true))
        try SnapshotReader(store).check(ModelFilter(languages: language, models: model), in: id)
        let display = JobDisplay(json: json)
        defer { display.close() }
        let result = try await DrillRun.perform(store: store, snapshot: id, filter: ModelFilter(languages: language, models: model),
                                                concurrency: concurrency, progress: display.sink)
        display.close()
        if json { try Output.json(result) } else { DrillRun.print(result) }
        return DrillRun.exitStatus(result)
    }
}

/// The drill as `drill` and `snapshot --drill` run it (``EmulatorDrill``), and how the CLI prints it.
enum DrillRun {
    static func perform(store: ArchiveStore, snapshot: Int64, filter: ModelFilter, concurrency: Int,
                        progress: JobProgressSink? = nil) async throws -> RestoreDrill.Result {
        try await EmulatorDrill.run(store: store, snapshot: snapshot, filter: filter, concurrency: concurrency, progress: progress)
    }

    static func print(_ r: RestoreDrill.Result) {
        let seconds = String(format: "%.1f s", r.seconds)
        // The emulator accepts such names; the real service may not.
        for line in RestoreText.nameWarnings(r.report.models) { Swift.print(line) }
        switch r.status {
        case .passed:
            Swift.print("drill passed: snapshot \(r.snapshotID) restored into an in-process emulator and verified: "
                        + "\(r.models) models, \(r.words) words, 0 differences (\(seconds))")
        case .differences:
            let s = r.report.verification!.differences.summary
            Swift.print("drill found differences: snapshot \(r.snapshotID) restored, but reading it back gave models "
                        + "+\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged), words +\(s.wordsAdded) -\(s.wordsRemoved) "
                        + "~\(s.wordsChanged) (\(seconds))")
        case .failed:
            for m in r.report.models {
                let e = TerminalText.escape
                for x in m.rejections { Swift.print("refused: \(e(m.name ?? m.sourceID)): \(TerminalText.quoted(x.word)): \(e(x.message))") }
                if m.status == .failed { Swift.print("failed: \(e(m.name ?? m.sourceID)): \(e(m.message ?? "not restored"))") }
            }
            let failed = r.report.models.filter { $0.status == .failed }.count
            Swift.print("drill failed: snapshot \(r.snapshotID) did not restore cleanly: \(failed) models failed, "
                        + "\(r.rejectedEntries) entries refused (\(seconds))")
        }
        if r.promptsNotRestorable > 0 {
            Swift.print("note: \(r.promptsNotRestorable) prompts not restorable (the service never returns prompt audio)")
        }
    }

    static func exitStatus(_ r: RestoreDrill.Result) -> ExitStatus {
        switch r.status {
        case .passed: .success
        case .differences: .differences
        case .failed: .failure
        }
    }
}
