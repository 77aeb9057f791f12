import ArchiveCore
import ArgumentParser

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record a folder of get-model JSON files (e.g. a manual backup) as a snapshot.",
        discussion: """
        Every *.json file must hold one model in the format of GET /v1/customizations/{id}. The folder becomes \
        its own source in the archive (diff it against any snapshot with `diff --match-by name`).

        EXAMPLES
          tts-archive import ./manual-backup-2025-06 --tag manual-2025-06

        \(ExitStatus.helpSection(.success, .failure, .archive, .locked, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: ArgumentHelp("Folder of JSON files.", valueName: "dir")) var directory: String
    @Option(help: "Tag for the new snapshot; repeatable.") var tag: [String] = []
    @Option(help: "Note for the new snapshot.") var note: String?
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            for t in tag { try SnapshotSelector.validateTag(t) }
            let source = try DirectorySource(directory: directory)
            let store = try archiveOptions.open(.write)
            let lock = try ArchiveLock(archivePath: store.path, purpose: "import", wait: .seconds(10))
            defer { withExtendedLifetime(lock) {} }
            let summary = try await Snapshotter.run(store: store, source: source, options: SnapshotOptions(note: note, tags: tag))
            if json { return try Output.json(summary) }
            print("imported \(directory) as snapshot \(summary.snapshotID): \(summary.models) models, \(summary.words) words")
        }
    }
}
