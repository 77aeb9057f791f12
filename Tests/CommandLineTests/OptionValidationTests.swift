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

/// Closed-choice options are enums: help lists the values, any other value is a usage error (exit 64) naming them.
@Suite struct ClosedChoiceOptionTests {
    @Test func restoreExistingAndModeTakeTheirValuesOnly() throws {
        let parsed = try Restore.parse(["latest", "--existing", "replace", "--mode", "single"])
        #expect(parsed.existing == .replace && parsed.mode == .single)
        let defaults = try Restore.parse(["latest"])
        #expect(defaults.existing == .fail && defaults.mode == .batch)
        for args in [["latest", "--existing", "merge"], ["latest", "--mode", "bulk"]] {
            do {
                _ = try Restore.parse(args)
                Issue.record("\(args) was accepted")
            } catch {
                #expect(Restore.exitCode(for: error) == .validationFailure)
                let message = Restore.message(for: error)
                #expect(message.contains(args[2]) && message.contains(args[1]), "\(message)")
                #expect(message.contains(args[1] == "--existing" ? "'fail', 'skip', 'update'" : "'batch'"), "\(message)")
            }
        }
    }

    @Test func diffMatchByTakesIdOrName() throws {
        #expect(try Diff.parse(["--match-by", "name"]).matchBy == .name)
        #expect(try Diff.parse([]).matchBy == .id)
        do {
            _ = try Diff.parse(["--match-by", "guid"])
            Issue.record("--match-by guid was accepted")
        } catch {
            #expect(Diff.exitCode(for: error) == .validationFailure)
            #expect(Diff.message(for: error).contains("'id'"), "\(Diff.message(for: error))")
        }
    }

    @Test func helpListsTheChoices() {
        let restore = Restore.helpMessage(columns: 200)
        #expect(restore.contains("fail") && restore.contains("replace") && restore.contains("single"))
        #expect(restore.contains("values: fail, skip, update, replace"), "\(restore)")
        #expect(Diff.helpMessage(columns: 200).contains("values: id, name, pairing"))
    }
}

/// `sync` and `diff --match-by pairing` refuse what cannot work before touching the archive or the service.
@Suite struct SyncOptionTests {
    @Test func syncRefusesBadOptionsWithWhatIsAllowed() throws {
        for (args, message) in [
            (["--batch-size", "0"], "--batch-size must be at least 1"),
            (["--verify", "all", "--no-verify"], "give either --verify all or --no-verify, not both"),
        ] {
            do {
                _ = try Sync.parse(args)
                Issue.record("\(args) was accepted")
            } catch {
                #expect(Sync.message(for: error) == message)
            }
        }
        // A closed choice: argument-parser names the values (exit 64).
        do {
            _ = try Sync.parse(["--verify", "some"])
            Issue.record("--verify some was accepted")
        } catch {
            #expect(Sync.exitCode(for: error) == .validationFailure)
            #expect(Sync.message(for: error).contains("'touched'") && Sync.message(for: error).contains("'all'"), "\(Sync.message(for: error))")
        }
        #expect(Sync.helpMessage(columns: 200).contains("values: touched, all"))
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

/// `forget SNAPSHOT...` names snapshots one by one: not with --keep-* rules, and --force only with it.
@Suite struct ForgetOptionTests {
    @Test func snapshotArgumentsAndRulesAreExclusiveAndForceNeedsArguments() throws {
        for (args, message) in [
            (["3", "--keep-last", "1"], "give SNAPSHOT arguments or --keep-* rules, not both"),
            (["3", "--allow-empty"], "--allow-empty applies to --keep-* rules, not to SNAPSHOT arguments"),
            (["--keep-last", "1", "--force"],
             "--force applies to SNAPSHOT arguments (retention rules always keep a snapshot last synced to a target)"),
        ] {
            do {
                _ = try Forget.parse(args)
                Issue.record("\(args) was accepted")
            } catch {
                #expect(Forget.exitCode(for: error) == .validationFailure)
                #expect(Forget.message(for: error) == message)
            }
        }
        let parsed = try Forget.parse(["3", "latest~2", "--force", "--dry-run"])
        #expect(parsed.snapshots == ["3", "latest~2"] && parsed.force)
        #expect(Forget.helpMessage(columns: 200).contains("last synced to"))
    }

    /// The refusal of a snapshot a target was last synced to names the target and the flag that overrides it.
    @Test func theLastSyncedRefusalNamesTheTargetAndForce() {
        let refusal = ForgetRefusal(reason: .lastSynced(snapshot: 4, targets: ["https://standby.example/instances/x"]))
        #expect(ErrorReporting.message(for: refusal)
                == "snapshot 4 is the one the sync target https://standby.example/instances/x last equalled (its next sync diffs "
                + "from it); nothing was changed (--force forgets it)")
    }
}
