import ArchiveCore
import ArgumentParser

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a snapshot as one JSON file per model, in the format of GET /v1/customizations/{id}.",
        discussion: """
        Files are named <customization_id>.json and hold exactly what the service returns for get-model \
        (metadata, words in service order, prompt metadata), so IBM's manual procedure and other tools can use \
        them. The folder is created (with its parents); existing files are never overwritten nor links \
        followed. A path that cannot be written is named with the reason (exit 2). Each --model and --language \
        value must select a model of the snapshot (exit 2 otherwise, naming what exists).

        EXAMPLES
          tts-archive export latest --to ./lexicons-2026-11-21
          tts-archive export --at 2026-11-01 --to /tmp/november --language ja-JP

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var which: SnapshotArgument
    @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir")) var to: String
    @Option(help: FilterHelp.model) var model: [String] = []
    @Option(help: FilterHelp.language) var language: [String] = []

    func run() async throws {
        try await reportingErrors {
            let store = try archiveOptions.open(.read)
            let reader = SnapshotReader(store)
            let id = try reader.resolve(try which.selector())
            let filter = ModelFilter(languages: language, models: model)
            try reader.check(filter, in: id)
            let exported = try await Interchange.export(snapshot: id, of: store, filter: filter, to: to)
            print("exported snapshot \(id): \(exported.files.count) models, \(exported.words) words to \(to)")
        }
    }
}
