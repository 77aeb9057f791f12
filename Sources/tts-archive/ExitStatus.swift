import ArgumentParser
import Foundation

/// Exit statuses shared by every command, documented in each command's help (EXIT STATUS section).
/// 1 is kept for "ran fine, found differences" so `diff` can follow diff(1); real errors are 2 and up.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case differences = 1
    case failure = 2
    case archive = 3
    case locked = 4
    case auth = 5
    case usage = 64
    case interrupted = 130

    var meaning: String {
        switch self {
        case .success: "success"
        case .differences: "completed, and differences were found"
        case .failure: "an error (bad input, service, network, I/O); nothing archived is lost"
        case .archive: "the archive cannot be used (not one, corrupt, newer schema, read-only)"
        case .locked: "another run holds the archive's lock"
        case .auth: "the service refused the credentials"
        case .usage: "invalid command line"
        case .interrupted: "cancelled by SIGINT (Ctrl-C) or SIGTERM; the message says what was kept"
        }
    }

    /// The EXIT STATUS block for a command's help, listing the statuses that command can return. Meanings stay
    /// under 74 characters so argument-parser's 80-column wrapping never breaks a line. Plain Swift, no
    /// Foundation: every run builds every command's configuration, so this is start-up time.
    static func helpSection(_ statuses: ExitStatus...) -> String {
        var text = "EXIT STATUS"
        for status in statuses {
            let code = String(status.rawValue)
            text += "\n  " + code + String(repeating: " ", count: max(1, 4 - code.count)) + status.meaning
        }
        return text
    }

    var exitCode: ExitCode { ExitCode(rawValue) }
}
