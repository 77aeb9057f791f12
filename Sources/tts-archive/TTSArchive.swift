import ArgumentParser
import Foundation

/// The root command. Each subcommand lives in its own file and stays thin: it parses, calls the layer
/// that does the work, and reports. Every command names itself (`commandName`): argument-parser otherwise
/// derives names with `String(describing:)`, whose dynamic casts scan every protocol conformance of this
/// large binary, a few ms of each run's start-up.
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

        \(ExitStatus.helpSection(.success, .failure, .archive, .locked, .auth, .usage))
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
        ]
    )

    /// argument-parser's `main`, arranged for start-up time (a diff's budget is 20 ms, the whole process):
    /// parsing, the commands that only read or write the archive (plain `ParsableCommand`s) and a
    /// `LocalCommand` that needs no service call run on the main thread, whose heap grows in large steps (a
    /// worker thread's heap grows by one system call a page), and no worker thread starts; an `ExitCode`
    /// (diff's "differences found") exits without argument-parser building a help text it would not print.
    /// A diff of two snapshots in its plain form skips argument-parser altogether (see `DiffRequest.quick`).
    @MainActor static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "diff", let request = DiffRequest.quick(arguments.dropFirst()) {
            do {
                if try request.runLocally() { return }
            } catch let code as ExitCode {
                Foundation.exit(code.rawValue)
            } catch {
                // reportingErrors lets only argument-parser's own errors through, which the quick path does not
                // throw; should one appear, argument-parser reads the line again and reports it. Nothing was printed.
            }
        }
        do {
            var command = try parseAsRoot()
            if let local = command as? LocalCommand, try local.runLocally() { return }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

/// A command whose usual run calls no service, so it can finish on the main thread without suspending.
protocol LocalCommand: AsyncParsableCommand {
    /// Does the whole job and returns true, or returns false, having done nothing visible, when it needs `run()`.
    func runLocally() throws -> Bool
}
