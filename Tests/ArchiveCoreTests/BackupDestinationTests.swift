import Foundation
import TestSupport
import Testing
@testable import ArchiveCore

/// Issue 15 item 8: `archive-backup` writes a new file and nothing else.
@Suite struct BackupDestinationTests {
    let dir: TempDir
    init() throws { dir = try TempDir() }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func backupNeverReplacesNorFollowsWhatIsThere() async throws {
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        _ = try await Snapshotter.run(store: store, source: Fixtures.standardSource())
        let backups = dir.path("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: false)
        let precious = backups + "/precious", existing = backups + "/existing.sqlite"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: precious))
        try Data("existing".utf8).write(to: URL(fileURLWithPath: existing))
        try FileManager.default.createSymbolicLink(atPath: backups + "/link.sqlite", withDestinationPath: precious)
        try FileManager.default.createSymbolicLink(atPath: backups + "/dangling.sqlite", withDestinationPath: backups + "/nowhere")
        for name in ["link.sqlite", "dangling.sqlite", "existing.sqlite"] {
            let destination = backups + "/" + name
            #expect(throws: BackupError.destinationExists(path: destination)) { try ArchiveMaintenance(store).backup(to: destination) }
        }
        #expect(try bytes(precious) == Data("precious".utf8))
        #expect(try bytes(existing) == Data("existing".utf8))
        #expect(!FileManager.default.fileExists(atPath: backups + "/nowhere"))
        let listing = { try FileManager.default.contentsOfDirectory(atPath: backups).sorted() }
        #expect(try listing() == ["dangling.sqlite", "existing.sqlite", "link.sqlite", "precious"])  // no temp file left

        let copy = backups + "/copy.sqlite"
        try ArchiveMaintenance(store).backup(to: copy)
        #expect(try listing() == ["copy.sqlite", "dangling.sqlite", "existing.sqlite", "link.sqlite", "precious"])
        #expect((try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int) == 0o600)
        #expect(try SnapshotReader(ArchiveStore(path: copy, access: .read)).all().count == 1)
    }

    @Test func backupIntoAMissingFolderLeavesNothing() throws {
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let destination = dir.path("no-such-folder/copy.sqlite")
        do {
            try ArchiveMaintenance(store).backup(to: destination)
            Issue.record("expected an error")
        } catch let error as BackupError {
            guard case .cannotWrite = error else { Issue.record("wrong error: \(error)"); return }
            #expect(error.description.contains(destination))
        }
    }
}
