import ArgumentParser
import Foundation

/// The root command. Each subcommand lives in its own file and stays thin: it parses, calls the layer
/// that does the work, and reports. Every command names itself (`commandName`), so a renamed type never
/// renames a command.
@main
struct TTSArchive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tts-archive",
        abstract: "Versioned backups of IBM Watson Text to Speech custom models: snapshot, diff, restore.",
        discussion: """
        Every custom model and word pair of a service instance, archived nightly in one SQLite file. \
        Commands that use an archive take --archive PATH, else $TTS_ARCHIVE, else
        \(ArchiveOptions.defaultPathDescription).

        Credentials are read the way IBM's SDKs read them (see `tts-archive help models`).

        \(ExitStatus.helpSection(.success, .failure, .archive, .locked, .auth, .usage, .interrupted))
        """,
        version: BuildInfo.version,
        subcommands: [
            Demo.self,
            Snapshot.self,
            SnapshotsCommand.self,
            Show.self,
            Diff.self,
            Log.self,
            Restore.self,
            Restores.self,
            Sync.self,
            Syncs.self,
            Rollback.self,
            Drill.self,
            Tag.self,
            Forget.self,
            Check.self,
            Export.self,
            Import.self,
            ArchiveBackup.self,
            Info.self,
            Models.self,
            Emulator.self,
            Serve.self,
        ]
    )
}
