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

        A file SQLite itself finds damaged (its integrity check fails, or a page cannot be read) is a damaged \
        archive: one line saying so and what to do (restore an archive-backup copy, or `sqlite3 ARCHIVE .recover`), \
        exit 3, as every command says when it meets the damage. An empty file, another application's database \
        or a path that is not a regular file is refused untouched (exit 3).

        EXAMPLES
          tts-archive check
          tts-archive check --json

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        Problems found in the content of a sound file (a hash, digest or count that does not match) exit with \
        \(ExitStatus.failure.rawValue).
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
