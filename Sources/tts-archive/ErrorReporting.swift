import ArchiveCore
import ArgumentParser
import Foundation
import SQLiteDB
import TTSClient

/// Runs a command body; any error becomes one line on stderr (`tts-archive: error: ...`) and the exit status
/// documented for its kind. Argument-parser's own errors pass through (usage: 64). Errors describe themselves
/// without credentials (see TTSClient.ServiceError).
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw ErrorReporting.report(error)
    }
}

func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw ErrorReporting.report(error)
    }
}

enum ErrorReporting {
    /// Prints the error (unless it is argument-parser's) and returns what the command should throw.
    static func report(_ error: Error) -> Error {
        switch error {
        case is ExitCode, is CleanExit, is ValidationError: return error
        default:
            // SQLite finding the file damaged, wherever a command met it, is a damaged archive (exit 3).
            let error = ArchiveStore.archiveError(for: error) ?? error
            printError(message(for: error))
            return exitStatus(for: error).exitCode
        }
    }

    /// The error's own line, with what this CLI offers for it: the core says what is missing or wrong and knows no
    /// commands, so a front end (this CLI, a server) adds its own way out.
    static func message(for error: any Error) -> String {
        let text = String(describing: error)
        switch error {
        case let e as SelectorError where e == .empty:
            return text + "; run `tts-archive snapshot` first"
        case let e as RestoreError:
            switch e {
            case .noSuchRun: return text + " (see `tts-archive restores`)"
            case .targetNotEmpty: return text + "; choose --existing skip, update or replace, or restore into an empty instance"
            case .runFinished, .runMismatch: return text
            }
        case let e as RollbackError:
            if case .languageDiffers = e { return text + ": use `restore --model` instead" }
            return text
        case let e as RetentionError where e == .noPolicy:
            return "no --keep-* option given; refusing to forget every snapshot"
        case let e as ArchiveError:
            switch e {
            case .newerSchema: return text + "; upgrade tts-archive to use it"
            case .missing: return text + " (a command that writes, such as `snapshot`, creates it)"
            case .empty: return text + "; a command that writes, such as `snapshot`, creates the archive in it"
            case .corrupt(let path, _):
                return text + "; restore it from an `archive-backup` copy, or recover what SQLite can still read with "
                    + "`sqlite3 \(path) .recover | sqlite3 recovered.sqlite`"
            default: return text
            }
        case let e as MigrationError:
            if case .newerSchema = e { return text + "; upgrade tts-archive to use it" }
            return text
        default:
            return text
        }
    }

    /// Maps an error to its documented exit status. Extend here as layers add error types.
    static func exitStatus(for error: any Error) -> ExitStatus {
        switch error {
        case let e as ArchiveError:
            if case .locked = e { return .locked }
            if case .diskFull = e { return .failure }  // an I/O error: the archive itself is fine
            return .archive
        case let e as ServiceError where e.isAuthenticationFailure:
            return .auth
        case is Interrupted:
            return .interrupted
        default:
            return .failure
        }
    }

    /// One line: a message quotes names and answers of the service, so its control characters (a line feed
    /// included) are escaped (``TerminalText``), not obeyed by the terminal nor split into lines.
    static func printError(_ message: String) {
        Output.stderr(line(message))
    }

    static func line(_ message: String) -> String {
        "tts-archive: error: " + TerminalText.escape(message.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
