import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

@Suite struct InterchangeTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    @Test func exportThenImportRoundTrips() async throws {
        let source = Fixtures.standardSource()
        let s = try await Snapshotter.run(store: store, source: source)
        let models = try SnapshotReader(store).models(in: s.snapshotID)
        let files = try Interchange.export(models, to: dir.path("export"))
        #expect(files.count == 3)
        // Each file is exactly a get-model answer.
        let one = try JSONDecoder().decode(CustomModel.self, from: Data(contentsOf: URL(fileURLWithPath: files[0])))
        #expect(one == models[0])
        #expect(throws: InterchangeError.self) { try Interchange.export(models, to: dir.path("export")) }

        let imported = try await Snapshotter.run(store: store, source: try DirectorySource(directory: dir.path("export")))
        #expect(imported.digest == s.digest)
        #expect(try SnapshotReader(store).models(in: imported.snapshotID) == models)
        #expect(try SnapshotReader(store).snapshot(imported.snapshotID)?.sourceKind == "import")
    }

    @Test func oneWriterAtATime() throws {
        let path = dir.path("a.sqlite")
        let first = try ArchiveLock(archivePath: path, purpose: "snapshot")
        do {
            _ = try ArchiveLock(archivePath: path, purpose: "forget", wait: .milliseconds(200))
            Issue.record("expected the second lock to fail")
        } catch let error as ArchiveError {
            guard case .locked(_, let holder) = error else { Issue.record("wrong error \(error)"); return }
            #expect(holder.contains("snapshot") && holder.contains("pid \(getpid())"))
        }
        withExtendedLifetime(first) {}
    }

    @Test func lockIsReleasedWhenTheHolderGoes() throws {
        let path = dir.path("c.sqlite")
        var first: ArchiveLock? = try ArchiveLock(archivePath: path, purpose: "snapshot")
        #expect(first != nil)
        first = nil
        #expect(throws: Never.self) { _ = try ArchiveLock(archivePath: path, purpose: "snapshot") }
    }
}
