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

/// `sync` and `diff --match-by pairing` refuse what cannot work before touching the archive or the service.
@Suite struct SyncOptionTests {
    @Test func syncRefusesBadOptionsWithWhatIsAllowed() throws {
        for (args, message) in [
            (["--batch-size", "0"], "--batch-size must be at least 1"),
            (["--verify", "some"], "--verify takes touched or all"),
            (["--verify", "all", "--no-verify"], "give either --verify all or --no-verify, not both"),
        ] {
            do {
                _ = try Sync.parse(args)
                Issue.record("\(args) was accepted")
            } catch {
                #expect(Sync.message(for: error) == message)
            }
        }
        let sync = try Sync.parse(["latest", "--to-service-name", "standby", "--keep-removed", "--check-drift", "--verify", "all"])
        #expect(sync.snapshot.snapshot == "latest" && sync.service.serviceName == "standby" && sync.keepRemoved && sync.checkDrift)
        _ = try Sync.parse(["--no-verify", "--force"])
    }

    @Test func pairingNeedsALiveSide() throws {
        #expect(throws: (any Error).self) { try Diff.parse(["1", "2", "--match-by", "pairing"]) }
        _ = try Diff.parse(["latest", "live", "--match-by", "pairing"])
        _ = try Syncs.parse(["--drift", "--service-name", "standby"])
    }
}
