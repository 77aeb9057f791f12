import ArchiveCore
import ArgumentParser
import Foundation

/// Runs a command body; any error becomes one line on stderr (`tts-archive: error: ...`) and the exit status
/// documented for its kind. Errors describe themselves without credentials (see TTSClient.ServiceError).
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let (status, message) = classify(error)
        FileHandle.standardError.write(Data("tts-archive: error: \(message)\n".utf8))
        throw status.exitCode
    }
}

func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let (status, message) = classify(error)
        FileHandle.standardError.write(Data("tts-archive: error: \(message)\n".utf8))
        throw status.exitCode
    }
}

/// Maps an error to its exit status and one-line message. Extend here as new layers add error types.
func classify(_ error: Error) -> (ExitStatus, String) {
    let oneLine = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    switch error {
    case let e as ArchiveError:
        if case .locked = e { return (.locked, oneLine) }
        return (.archive, oneLine)
    default:
        return (.failure, oneLine)
    }
}
