import ArchiveCore
import ArgumentParser

struct SnapshotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List snapshots, newest first, with what changed since the previous one.",
        discussion: """
        Columns: id, finish time (UTC), tags, models, words, and the change since the previous snapshot of the \
        same source (models +added -removed ~changed, words +added -removed ~changed). Control characters in \
        tags and sources are shown escaped (\\n, \\u{1B}); --json has them exact. Read-only: an empty file, \
        another application's database or a path that is not a regular file is refused untouched (exit 3).

        EXAMPLES
          tts-archive snapshots
          tts-archive snapshots --last 7
          tts-archive snapshots --json | jq '.[0].digest'

        \(ExitStatus.helpSection(.success, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Option(help: "Show only the newest N snapshots.") var last: Int?
    @Flag(help: "Print JSON (an array of snapshot records) instead of a table.") var json = false

    func validate() throws {
        if let last, last < 1 { throw ValidationError("--last must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            var all = try SnapshotReader(store).all().reversed().map { $0 }
            if let last { all = Array(all.prefix(last)) }
            if json { return try Output.json(all) }
            if all.isEmpty { return print("no snapshots in \(store.path) yet; run `tts-archive snapshot`") }
            let multipleSources = Set(all.map { $0.source + $0.scope }).count > 1
            Output.table(
                ["ID", "FINISHED (UTC)", "TAGS", "MODELS", "WORDS", "MODELS +/-/~", "WORDS +/-/~"] + (multipleSources ? ["SOURCE"] : []),
                all.map { s in
                    [String(s.id), String(s.finishedAt.prefix(19)).replacingOccurrences(of: "T", with: " "), s.tags.joined(separator: ","),
                     String(s.models), String(s.words), "+\(s.modelsAdded) -\(s.modelsRemoved) ~\(s.modelsChanged)",
                     "+\(s.wordsAdded) -\(s.wordsRemoved) ~\(s.wordsChanged)"]
                        + (multipleSources ? [s.source + (s.scope.isEmpty ? "" : " [\(s.scope)]")] : [])
                },
                numeric: [0, 3, 4])
        }
    }
}
