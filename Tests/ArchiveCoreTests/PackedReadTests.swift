import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// A restore reads a snapshot's words as bytes, model by model (``SnapshotStream``). It must read what the String
/// reader reads, for the newest snapshot (open rows only) and older ones (open rows and rows later snapshots ended).
@Suite struct PackedReadTests {
    @Test func restoreReadsEverySnapshotAsTheStringReaderDoes() async throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let source = Fixtures.largeSource(models: 5, words: 5_000)
        var ids = [try await Snapshotter.run(store: store, source: source).snapshotID]
        // Rows written later land after the first snapshot's rows, so a scan meets each model's words out of order.
        source.edit("cccccccc-0000-0000-0000-000000000001") { m in for i in m.words!.indices where i % 3 == 0 { m.words![i].translation += " (1)" } }
        source.edit("cccccccc-0000-0000-0000-000000000004") { m in
            m.words! += [WordEntry(word: "AAA first", translation: "a"), WordEntry(word: "zzz last", translation: "z")]
        }
        source.delete("cccccccc-0000-0000-0000-000000000003")
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        source.put(CustomModel(customizationID: "cccccccc-0000-0000-0000-000000000009", name: "New", language: "en-US",
                               words: Fixtures.words(3_000, prefix: "new-")))
        source.edit("cccccccc-0000-0000-0000-000000000005") { m in m.words!.removeFirst(1_000) }
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)

        let reader = SnapshotReader(store)
        for id in ids {
            let full = try reader.models(in: id)
            let stream = try SnapshotStream(path: store.db.path, snapshot: id)
            let models = stream.models
            var words: [String: PackedWords] = [:]
            for m in models { words[m.customizationID] = try await stream.words(of: m.customizationID) }
            #expect(models.map(\.customizationID) == full.map(\.customizationID), "snapshot \(id)")
            #expect(models.allSatisfy { $0.words == nil })
            for (m, f) in zip(models, full) {
                var bare = f
                bare.words = nil
                #expect(m == bare, "snapshot \(id)")
                #expect(words[f.customizationID]?.entries == f.words, "snapshot \(id), \(f.customizationID)")
                #expect(words[f.customizationID]?.isSorted == true)
                #expect(stream.wordCounts[f.customizationID] == f.words?.count)
            }
            #expect(words.values.reduce(0) { $0 + $1.count } >= LineageRows.parallelRows)
            let keys: [Int64] = try store.db.query("SELECT id FROM models") { $0.int64(0) }
            #expect(try reader.wordPieces(in: id, models: keys, ways: 2).count == 2)
        }
    }
}
