import ArchiveCore
import ArgumentParser

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the archive: SQLite integrity, every content version and every snapshot digest.",
        discussion: """
        Runs SQLite's integrity and foreign-key checks, then recomputes the words hash of every model at every \
        snapshot from the stored rows and every snapshot's content digest, and reports each mismatch with its \
        snapshot and model. Read-only.

        EXAMPLES
          tts-archive check
          tts-archive check --json

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        Problems found exit with \(ExitStatus.failure.rawValue).
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            let report = try ArchiveChecker(store).run()
            if json {
                try Output.json(report)
            } else {
                for p in report.problems { print("problem: \(TerminalText.escape("\(p)"))") }
                print("checked \(report.snapshotsChecked) snapshots, \(report.wordRowsRead) word rows: "
                      + (report.problems.isEmpty ? "no problems" : "\(report.problems.count) problems"))
            }
            if !report.problems.isEmpty { throw ExitStatus.failure.exitCode }
        }
    }
}
