import ArchiveCore
import SQLiteDB
import Testing
@testable import tts_archive

/// The core says what is missing or wrong; the CLI adds which of its commands or options helps, so its one line is
/// what it was when the core named the command (a server gives its own hint).
@Suite struct ErrorHintTests {
    static let cases: [(any Error, String)] = [
        (SelectorError.empty, "the archive has no snapshots yet; run `tts-archive snapshot` first"),
        (RestoreError.noSuchRun(9), "no restore run 9 in the archive (see `tts-archive restores`)"),
        (RestoreError.targetNotEmpty(models: 3, conflicts: 1),
         "the target already has 3 custom models (1 with a name and language in the snapshot); "
            + "choose --existing skip, update or replace, or restore into an empty instance"),
        (RollbackError.languageDiffers(live: "en-US", snapshot: "de-DE"),
         "the live model is en-US but the snapshot's is de-DE; a model's language cannot change: use `restore --model` instead"),
        (RetentionError.noPolicy, "no --keep-* option given; refusing to forget every snapshot"),
        // `forget` wraps the policy's refusals; the hint must survive the wrapping.
        (ForgetRefusal(reason: .noPolicy), "no --keep-* option given; refusing to forget every snapshot"),
        (ArchiveError.newerSchema(path: "/a", reason: MigrationError.newerSchema(unknown: ["0009_x"]).description),
         "/a: the database was written by a newer version (unknown migrations: 0009_x); upgrade tts-archive to use it"),
    ]

    @Test func theCLILineIsUnchanged() {
        for (error, line) in Self.cases {
            #expect(ErrorReporting.message(for: error) == line)
        }
    }

    @Test func theCoreNamesNoCommandOrOption() {
        for (error, _) in Self.cases where !(error is ForgetRefusal) {
            let core = String(describing: error)
            #expect(!core.contains("tts-archive") && !core.contains("`") && !core.contains("--"), "\(core)")
        }
    }
}
