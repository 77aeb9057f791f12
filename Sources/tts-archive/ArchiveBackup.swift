import ArchiveCore
import ArgumentParser

struct ArchiveBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive-backup",
        abstract: "Write a consistent copy of the archive file, safe while other runs use it.",
        discussion: """
        Uses SQLite's VACUUM INTO: the copy is a complete, compact archive (mode 0600) as of one instant, for \
        offsite storage. The destination must not exist: an existing file or symlink (even a dangling one) is \
        refused with exit 2, and nothing is written through a link. The copy is written to a temporary file in \
        the destination's folder and linked to its name only if that name is still free; the temporary file \
        is removed on every path.

        EXAMPLES
          tts-archive archive-backup /mnt/offsite/tts-archive-$(date +%F).sqlite

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: ArgumentHelp("Where to write the copy.", valueName: "path")) var destination: String

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            try ArchiveMaintenance(store).backup(to: destination)
            let copy = try ArchiveStore(path: destination, access: .read)
            print("wrote \(destination) (\(try copy.info().fileBytes) bytes, \(try SnapshotReader(copy).all().count) snapshots)")
        }
    }
}
