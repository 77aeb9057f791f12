import ArgumentParser
import Foundation
import TTSClient

/// Turns failures of service commands into one stderr line and an exit status.
enum ErrorReporting {
    static func exitStatus(for error: any Error) -> ExitStatus {
        if let error = error as? ServiceError, error.isAuthenticationFailure { return .auth }
        return .failure
    }

    /// Runs `body`; any error other than argument-parser's own is printed as `tts-archive: error: ...`
    /// and becomes the matching exit status.
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("\(error)")
            throw exitStatus(for: error).exitCode
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("tts-archive: error: \(message)\n".utf8))
    }
}
