import ArchiveCore
import ArgumentParser

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show an archive's identity, schema and size.",
        discussion: """
        Opens the archive read-only in intent (it upgrades an older schema in place when the file is \
        writable) and prints where it is, its id, when it was created and which migrations it has. It never \
        creates an archive: an empty file ("not an archive yet"), another application's database or a path that \
        is not a regular file is refused untouched (exit 3).

        EXAMPLES
          tts-archive info
          tts-archive info --archive /backups/tts.sqlite

        \(ExitStatus.helpSection(.success, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            let info = try store.info()
            print("archive:    \(store.path)")
            print("id:         \(info.archiveID)")
            print("created:    \(info.createdAt)")
            print("schema:     \(info.migrations.joined(separator: ", "))")
            print("size:       \(info.fileBytes) bytes (SQLite \(info.sqliteVersion))")
        }
    }
}
