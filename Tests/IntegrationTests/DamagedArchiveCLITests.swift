import ArchiveCore
import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSAPI

/// Issue 15 items 5 to 8 through the binary: the exit status and the one line each command gives.
@Suite(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
struct DamagedArchiveCLITests {
    let cli: CLI
    init() throws { cli = CLI(dir: try TempDir()) }

    /// Three models of 2000 words each, from memory.
    struct Generated: ModelSource {
        let sourceDescription = SourceDescription(kind: .service, url: "http://127.0.0.1:1/instances/generated")
        func model(_ i: Int, words: Bool) -> CustomModel {
            CustomModel(customizationID: "dddddddd-0000-0000-0000-00000000000\(i)", name: "Model \(i)", language: "en-US",
                        lastModified: "2026-01-01T00:00:00.000Z",
                        words: words ? (0..<2000).map { WordEntry(word: "m\(i)-w\($0)", translation: "translation \($0)") } : nil)
        }
        func listModels() async throws -> [CustomModel] { (1...3).map { model($0, words: false) } }
        func getModel(id: String) async throws -> CustomModel { model(Int(String(id.last!))!, words: true) }
    }

    func expectOneLineError(_ r: CLI.Result, status: Int32, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("tts-archive: error: "), sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
    }

    func bytes(_ path: String) throws -> Data { try DamagedFiles.bytes(path) }
    func sidecars(_ path: String) -> [String] { DamagedFiles.sidecars(path) }

    @Test func everyCommandCallsADamagedPageADamagedArchiveWithExit3() async throws {
        do {
            let store = try ArchiveStore(path: cli.archive, access: .write)
            _ = try await Snapshotter.run(store: store, source: Generated())
        }
        try DamagedFiles.damageLeafPage(of: "words", in: cli.archive)
        let before = try bytes(cli.archive)

        expectOneLineError(try cli.run(["check", "--archive", cli.archive]), status: 3, containing: "the archive is damaged")
        expectOneLineError(try cli.run(["show", "latest", "--words", "--archive", cli.archive]), status: 3, containing: ".recover")
        expectOneLineError(try cli.run(["show", "latest", "--words", "--archive", cli.archive]), status: 3, containing: "restore it from an `archive-backup` copy")
        let folder = try await CLITests.importedFolder(cli.dir)
        expectOneLineError(try cli.run(["import", folder.sourceDescription.url, "--archive", cli.archive]), status: 3,
                           containing: "the archive is damaged")
        #expect(try bytes(cli.archive) == before)
    }

    @Test func filesThatAreNotArchivesAreRefusedUntouched() throws {
        let foreign = cli.dir.path("other-app.sqlite"), empty = cli.dir.path("empty.sqlite")
        try Database(path: foreign, writeAheadLog: false).execute("CREATE TABLE customers (id)")
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        for (path, text) in [(foreign, "another application"), (empty, "not an archive yet"), ("/dev/null", "device")] {
            let regular = path != "/dev/null"
            let before = regular ? try bytes(path) : nil
            // /dev/null is shared with every process on the machine: compare what is beside it, do not expect nothing.
            let sidecarsBefore = sidecars(path)
            for command in ["snapshots", "info", "check"] {
                expectOneLineError(try cli.run([command, "--archive", path]), status: 3, containing: text)
            }
            if regular { #expect(try bytes(path) == before) }
            #expect(sidecars(path) == sidecarsBefore)
        }
    }

    @Test func archiveBackupRefusesAnExistingNameWithExit2() throws {
        _ = try ArchiveStore(path: cli.archive, access: .write)
        let precious = cli.dir.path("precious"), link = cli.dir.path("link.sqlite")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: precious))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: precious)
        expectOneLineError(try cli.run(["archive-backup", link, "--archive", cli.archive]), status: 2, containing: link)
        #expect(try bytes(precious) == Data("precious".utf8))
    }
}
