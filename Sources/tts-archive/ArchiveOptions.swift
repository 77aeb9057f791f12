import ArchiveCore
import ArgumentParser
import Foundation

/// `--archive PATH` for every command that uses an archive: the flag, else `$TTS_ARCHIVE`, else the default
/// under the XDG data folder.
struct ArchiveOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Archive file (default: $TTS_ARCHIVE, else \(Self.defaultPathDescription)).", valueName: "path"))
    var archive: String?

    static let defaultPathDescription = "$XDG_DATA_HOME/tts-archive/archive.sqlite (~/.local/share/...)"

    static func resolve(flag: String?, environment: (String) -> String?) -> String {
        if let flag, !flag.isEmpty { return expand(flag) }
        if let env = environment("TTS_ARCHIVE"), !env.isEmpty { return expand(env) }
        let dataHome = environment("XDG_DATA_HOME").flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment("HOME") ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/tts-archive/archive.sqlite"
    }

    private static func expand(_ path: String) -> String { (path as NSString).expandingTildeInPath }

    /// Opens the archive for a command; writers create a missing one.
    func open(_ access: ArchiveStore.Access) throws -> ArchiveStore {
        try ArchiveStore(path: Self.resolve(flag: archive, environment: Output.environment), access: access)
    }
}

// Closed choices: argument-parser lists the values in `--help` and refuses any other (exit 64).
extension ExistingPolicy: ExpressibleByArgument {}
extension RestoreMode: ExpressibleByArgument {}
extension ContentDiff.MatchBy: ExpressibleByArgument {}
