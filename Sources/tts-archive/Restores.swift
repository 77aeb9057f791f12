import ArchiveCore
import ArgumentParser

struct Restores: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restores",
        abstract: "List restore runs recorded in the archive's journal.",
        discussion: """
        Columns: run id, snapshot restored, target URL (never credentials), status (running = killed or still \
        going, complete, partial = entries rejected, failed = resumable), models and words restored, rejected \
        entries, start time (UTC). Resume a running, failed or cancelled run with `tts-archive restore --resume RUN`.

        EXAMPLES
          tts-archive restores
          tts-archive restores --json | jq '.[] | select(.status == "failed") | .id'

        \(ExitStatus.helpSection(.success, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(help: "Print JSON (an array of runs) instead of a table.") var json = false

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            let runs = try RestoreRunSummary.all(in: store)
            if json { return try Output.json(runs) }
            if runs.isEmpty { return print("no restore runs in \(store.path)") }
            Output.table(["RUN", "SNAPSHOT", "STATUS", "MODELS", "WORDS", "REJECTED", "STARTED (UTC)", "TARGET"],
                         runs.map { r in
                             [String(r.id), String(r.snapshot), r.status.rawValue, String(r.models), String(r.words), String(r.rejections),
                              String(r.startedAt.prefix(19)).replacingOccurrences(of: "T", with: " "), r.target]
                         },
                         numeric: [0, 1, 3, 4, 5])
        }
    }
}
