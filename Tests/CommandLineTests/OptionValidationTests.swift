import ArgumentParser
import Testing
@testable import tts_archive

/// Option values refused with a message that says what is allowed (issue 15, item 11).
@Suite struct OptionValidationTests {
    @Test func timeoutZeroSaysWhatIsAllowed() throws {
        for value in ["0", "-1", "0.0001", "3601"] {
            do {
                _ = try Models.parse(["--timeout=\(value)"])
                Issue.record("--timeout \(value) was accepted")
            } catch {
                let message = Models.message(for: error)
                #expect(message == "--timeout takes the seconds one request attempt may last, from 0.001 to 3600 (not \(value))")
            }
        }
        _ = try Models.parse(["--timeout", "0.5"])
        #expect(throws: (any Error).self) { try SnapshotsCommand.parse(["--last", "0"]) }
    }
}
