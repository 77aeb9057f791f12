import ArchiveCore
import ArgumentParser

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Add or remove tags, or set the note, of a snapshot.",
        discussion: """
        Tags name snapshots for selectors (`show before-migration`) and retention (`forget --keep-tag`). \
        A tag may not be a number, 'latest', 'live', or contain spaces or commas.

        EXAMPLES
          tts-archive tag latest --add before-migration
          tts-archive tag 42 --remove nightly --note "last good state before the bulk import"

        \(ExitStatus.helpSection(.success, .failure, .archive, .locked, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var which: SnapshotArgument
    @Option(help: "Tag to add; repeatable.") var add: [String] = []
    @Option(help: "Tag to remove; repeatable.") var remove: [String] = []
    @Option(help: "Set the snapshot's note (an empty string clears it).") var note: String?

    func validate() throws {
        if add.isEmpty, remove.isEmpty, note == nil { throw ValidationError("give --add, --remove or --note") }
    }

    func run() throws {
        try reportingErrors {
            // No archive lock: a tag or a note is one short write transaction, which SQLite serializes with a
            // running snapshot's or restore's (none spans a network call) and waits for (its busy timeout).
            let store = try archiveOptions.open(.write)
            let id = try SnapshotReader(store).resolve(try which.selector())
            let m = ArchiveMaintenance(store)
            try m.addTags(add, to: id)
            try m.removeTags(remove, from: id)
            if let note { try m.setNote(note.isEmpty ? nil : note, on: id) }
            let record = try SnapshotReader(store).snapshot(id)
            print("snapshot \(id): tags [\(TerminalText.escape(record?.tags.joined(separator: ", ") ?? ""))]\(record?.note.map { ", note \(TerminalText.quoted($0))" } ?? "")")
        }
    }
}
