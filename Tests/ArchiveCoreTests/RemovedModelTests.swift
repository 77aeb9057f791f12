import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// A removed model's word rows stay open and end with the model (migration 0010, ``WordRowEnds``): removing a
/// model writes no ended word row, and every reader of ranges (snapshots, the diff on each of its paths, a word's
/// and a model's history, `check`, `forget`) still sees its words end where the model ended, also when the
/// model comes back under the same id.
@Suite struct RemovedModelTests {
    let dir: TempDir
    let store: ArchiveStore
    let source = ScriptedSource()
    static let a = "aaaaaaaa-0000-0000-0000-00000000000a"
    static let b = "bbbbbbbb-0000-0000-0000-00000000000b"
    /// What the service held at each snapshot: model id -> word -> translation.
    var held: [Int64: [String: [String: String]]] = [:]

    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        source.put(CustomModel(customizationID: Self.a, name: "Kept", language: "en-US", words: Fixtures.words(10)))
        source.put(CustomModel(customizationID: Self.b, name: "Goes", language: "en-US", words: Fixtures.words(20, prefix: "b")))
    }

    func count(_ sql: String, _ value: Int64? = nil) throws -> Int {
        if let value { return try store.db.scalar(sql, value) }
        return try store.db.scalar(sql)
    }

    mutating func snapshot() async throws -> Int64 {
        let s = try await Snapshotter.run(store: store, source: source)
        held[s.snapshotID] = Dictionary(uniqueKeysWithValues: source.current().map { m in
            (m.customizationID, Dictionary(uniqueKeysWithValues: (m.words ?? []).map { ($0.word, $0.translation) }))
        })
        return s.snapshotID
    }

    /// Snapshots 1...5: b gains a word (2), b is removed (3), nothing happens (4), b is back with some of its old
    /// words, one of them changed (5).
    mutating func history() async throws -> [Int64] {
        var ids = [try await snapshot()]
        source.edit(Self.b) { $0.words!.append(WordEntry(word: "late", translation: "added before the removal")) }
        ids.append(try await snapshot())
        let removedRowsBefore = try count("SELECT count(*) FROM words WHERE valid_to <> 2147483647")
        source.delete(Self.b)
        ids.append(try await snapshot())
        // The removal ended no word row: b's 21 rows stay open.
        #expect(try count("SELECT count(*) FROM words WHERE valid_to <> 2147483647") == removedRowsBefore)
        #expect(try count("SELECT words_removed FROM snapshots WHERE id = ?", ids[2]) == 21)
        ids.append(try await snapshot())
        var back = Fixtures.words(5, prefix: "b")
        back[0].translation = "changed while away"
        source.put(CustomModel(customizationID: Self.b, name: "Back", language: "en-US", words: back))
        ids.append(try await snapshot())
        return ids
    }

    @Test mutating func everySnapshotReadsAsTheServiceHeldIt() async throws {
        let ids = try await history()
        for id in ids {
            let read = try SnapshotReader(store).models(in: id)
            #expect(Dictionary(uniqueKeysWithValues: read.map { m in
                (m.customizationID, Dictionary(uniqueKeysWithValues: (m.words ?? []).map { ($0.word, $0.translation) }))
            }) == held[id], "snapshot \(id)")
            // The streaming reader (export, restore) too.
            let stream = try SnapshotStream(path: dir.path("a.sqlite"), snapshot: id)
            for m in read {
                #expect(try await stream.words(of: m.customizationID).count == m.words?.count, "snapshot \(id), \(m.customizationID)")
            }
        }
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    /// The expected counts of each model between two snapshots, from what the service held.
    func expected(_ lo: Int64, _ hi: Int64) -> [String: WordCounts] {
        var out: [String: WordCounts] = [:]
        for id in Set(held[lo]!.keys).union(held[hi]!.keys) {
            let old = held[lo]![id] ?? [:], new = held[hi]![id] ?? [:]
            var c = WordCounts()
            c.added = new.keys.filter { old[$0] == nil }.count
            c.removed = old.keys.filter { new[$0] == nil }.count
            c.changed = new.filter { old[$0.key] != nil && old[$0.key] != $0.value }.count
            if !c.isEmpty { out[id] = c }
        }
        return out
    }

    @Test mutating func diffsOfEveryPairCountTheRemovedModelsWords() async throws {
        let ids = try await history()
        try expectDiffs(ids)
    }

    /// Before the model comes back its rows are still open: the diff reads them as ended with it, and a word
    /// added after the older snapshot is not taken for one born since.
    @Test mutating func diffsWhileTheModelStaysRemoved() async throws {
        var ids = [try await snapshot()]
        source.edit(Self.b) { $0.words!.append(WordEntry(word: "late", translation: "added before the removal")) }
        ids.append(try await snapshot())
        source.delete(Self.b)
        source.edit(Self.a) { $0.words![0].translation = "edited as b went" }
        ids.append(try await snapshot())
        ids.append(try await snapshot())
        try expectDiffs(ids)
    }

    func expectDiffs(_ ids: [Int64], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let keys = Dictionary(uniqueKeysWithValues: try store.db.query("SELECT id, customization_id FROM models") {
            ($0.int64(0), $0.text(1) ?? "")
        })
        for (i, lo) in ids.enumerated() {
            for hi in ids[(i + 1)...] {
                let diff = try SnapshotDiff(store).between(lo, hi)
                let counts = Dictionary(uniqueKeysWithValues: diff.models.filter { !$0.wordCounts.isEmpty }.map {
                    ($0.fromCustomizationID ?? $0.toCustomizationID ?? "", $0.wordCounts)
                })
                #expect(counts == expected(lo, hi), "diff \(lo) \(hi)", sourceLocation: sourceLocation)
                // The large-range path: ended rows read on several connections (or by scanning the table).
                let rows = try LineageRows(db: store.db, from: lo, to: hi, largeRows: 0)
                let (died, pieces, born) = try rows.read(cores: 3)
                let merged = WordRowMerge.changes(died: died, diedPieces: pieces, born: born, detail: .counts)
                let byID = Dictionary(uniqueKeysWithValues: merged.counts.filter { !$0.value.isEmpty }.map { (keys[$0.key]!, $0.value) })
                #expect(byID == expected(lo, hi), "large diff \(lo) \(hi)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test mutating func historyEndsAVersionWhereItsModelWasRemoved() async throws {
        let ids = try await history()
        let history = WordHistory(store)
        let late = try history.versions(of: .exact("late"))
        #expect(late.map(\.firstSnapshot) == [ids[1]])
        #expect(late.map(\.endSnapshot) == [ids[2]])
        #expect(late.map(\.end) == [.modelRemoved])
        // A word b had before and has again: two versions, the first ended by the removal.
        let first = Fixtures.words(5, prefix: "b")[1].word
        let versions = try history.versions(of: .exact(first))
        #expect(versions.map(\.firstSnapshot) == [ids[0], ids[4]])
        #expect(versions.map(\.endSnapshot) == [ids[2], nil])
        #expect(versions.map(\.end) == [.modelRemoved, nil])
        let steps = try #require(try history.modelHistories(scope: .init(models: [Self.b])).first).steps
        #expect(steps.map(\.snapshot) == [ids[0], ids[1], ids[2], ids[4]])
        #expect(steps.map(\.kind) == [.added, .changed, .removed, .added])
        #expect(steps.map(\.wordsAdded) == [0, 1, 0, 0])
        #expect(steps.map(\.words) == [20, 21, 0, 5])
    }

    /// While the model stays removed its rows are still open: their versions end with the model all the same.
    @Test mutating func historyOfAModelThatStaysRemoved() async throws {
        let first = try await snapshot()
        source.delete(Self.b)
        let second = try await snapshot()
        let third = try await snapshot()
        let versions = try WordHistory(store).versions(of: .exact(Fixtures.words(20, prefix: "b")[3].word))
        #expect(versions.map(\.firstSnapshot) == [first])
        #expect(versions.map(\.endSnapshot) == [second])
        #expect(versions.map(\.end) == [.modelRemoved])
        let steps = try #require(try WordHistory(store).modelHistories(scope: .init(models: [Self.b]), words: true).first).steps
        #expect(steps.map(\.snapshot) == [first, second])
        #expect(steps.map(\.kind) == [.added, .removed])
        #expect(steps.last?.changes?.count == 20)
        #expect(try SnapshotReader(store).models(in: third).map(\.customizationID) == [Self.a])
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    @Test mutating func forgetRemovesTheRowsOfARemovedModelNoSnapshotHolds() async throws {
        let ids = try await history()
        let maintenance = ArchiveMaintenance(store)
        // Snapshot 1 and 2 forgotten: b's first rows are in no surviving snapshot.
        _ = try maintenance.forget([ids[0], ids[1]], vacuum: false)
        let b: Int64 = try store.db.scalar("SELECT id FROM models WHERE customization_id = ?", Self.b)
        #expect(try count("SELECT count(*) FROM words WHERE model = ?", b) == 5)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
        for id in ids[2...] {
            #expect(try SnapshotReader(store).models(in: id).count == held[id]!.count)
        }
    }

    @Test mutating func forgetKeepsNothingOfAModelThatStaysRemoved() async throws {
        let first = try await snapshot()
        source.delete(Self.b)
        let second = try await snapshot()
        let b: Int64 = try store.db.scalar("SELECT id FROM models WHERE customization_id = ?", Self.b)
        #expect(try count("SELECT count(*) FROM words WHERE model = ? AND valid_to = 2147483647", b) == 20)
        _ = try ArchiveMaintenance(store).forget([first], vacuum: false)
        #expect(try count("SELECT count(*) FROM words WHERE model = ?", b) == 0)
        #expect(try count("SELECT count(*) FROM models WHERE id = ?", b) == 0)
        #expect(try SnapshotReader(store).models(in: second).map(\.customizationID) == [Self.a])
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }
}
