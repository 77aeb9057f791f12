import ArchiveCore
import ArgumentParser

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record a folder of get-model JSON files (e.g. a manual backup) as a snapshot.",
        discussion: """
        Reads a folder written by `export`, or a backup made with IBM's own procedure \
        (curl outputs), and records it as its own source in the archive (diff it \
        against any snapshot with `diff --match-by name`). Each *.json file is \
        recognised by its content:
          model       GET /v1/customizations/{id} (has "customization_id"): <id>.json
          model list  GET /v1/customizations (has "customizations"): models.json;
                      every model it names must have its file
          words list  GET /v1/customizations/{id}/words (only "words"), for a model
                      whose file has no "words": <id>-words.json, words_<id>.json
        A words list is matched by the model id its file name holds (exactly one \
        GUID); a model file whose name holds one GUID must hold that model. Files \
        whose names start with a dot are skipped.

        The whole folder is checked before anything is recorded. Refused with one \
        line naming the file (exit 2, nothing recorded): any other file, invalid \
        JSON, a listed model without its file, a model without words and without a \
        words list, a words list that matches no model (or a second one, or one \
        that differs from the words in the model's file), a model in two files, a \
        word twice in a model.

        EXAMPLES
          tts-archive import ./manual-backup-2025-06 --tag manual-2025-06
          tts-archive import ./lexicons-2026-11-21    # written by `export`

        \(ExitStatus.helpSection(.success, .failure, .archive, .locked, .usage, .interrupted))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: ArgumentHelp("Folder of JSON files.", valueName: "dir")) var directory: String
    @Option(help: "Tag for the new snapshot; repeatable.") var tag: [String] = []
    @Option(help: "Note for the new snapshot.") var note: String?
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            try await Interruption.cancellingOnSignals(kept: Interruption.Kept("nothing recorded")) { try await execute() }
        }
    }

    private func execute() async throws {
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
