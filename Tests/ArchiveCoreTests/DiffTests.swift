import ArchiveSchema
import Basics
import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

@Suite struct DiffTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    /// A night of random edits: translations, parts of speech, adds, deletes, renames, model adds and deletes.
    func churn(_ source: ScriptedSource, _ rng: inout SplitMix64, night: Int) {
        for m in source.current() {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: source.delete(m.customizationID); continue
            case 1: source.edit(m.customizationID) { $0.name = ($0.name ?? "") + "'" }
            default: break
            }
            source.edit(m.customizationID) { model in
                for _ in 0..<Int.random(in: 0...4, using: &rng) {
                    guard !model.words!.isEmpty else { break }
                    let i = Int.random(in: 0..<model.words!.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: model.words!.remove(at: i)
                    case 1: model.words!.append(WordEntry(word: "n\(night)-\(i)", translation: "added \(night)"))
                    case 2 where model.language == "ja-JP": model.words![i].partOfSpeech = PartOfSpeech.allValues.randomElement(using: &rng)
                    default: model.words![i].translation += " \(night)"
                    }
                }
            }
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            source.put(CustomModel(customizationID: "bbbbbbbb-0000-0000-0000-\(String(format: "%012d", night))", name: "General", language: "en-US",
                                   words: Fixtures.words(5, prefix: "m\(night)-")))
        }
    }

    @Test func fastDiffEqualsFullComparisonForEveryPair() async throws {
        let source = Fixtures.standardSource()
        var rng = SplitMix64(seed: 7)
        var ids: [Int64] = []
        for night in 0..<8 {
            if night > 0 { churn(source, &rng, night: night) }
            ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        }
        let engine = SnapshotDiff(store)
        let reader = SnapshotReader(store)
        for a in ids {
            for b in ids {
                let fast = try engine.between(a, b)
                let full = ContentDiff.compare(try reader.models(in: a), try reader.models(in: b),
                                               from: "snapshot \(a)", to: "snapshot \(b)", matchBy: .id)
                #expect(fast == full, "snapshots \(a) -> \(b)")
                if a == b { #expect(fast.summary.isEmpty) }
                #expect(try engine.between(a, b, detail: .counts) == Self.countsOnly(full), "snapshots \(a) -> \(b)")
            }
        }
        // The stored change counts agree with the diff against the previous snapshot.
        for (prev, next) in zip(ids, ids.dropFirst()) {
            let s = try engine.between(prev, next).summary
            let r = try #require(try reader.snapshot(next))
            let diffCounts: [Int] = [s.modelsAdded, s.modelsRemoved, s.wordsAdded, s.wordsRemoved, s.wordsChanged]
            let recorded: [Int] = [r.modelsAdded, r.modelsRemoved, r.wordsAdded, r.wordsRemoved, r.wordsChanged]
            #expect(diffCounts == recorded)
        }
    }

    /// Above ~20,000 changed rows the rows are read on several connections and the output is rendered in
    /// concurrent pieces; the result must not change.
    @Test func largeDiffsReadAndRenderConcurrentlyWithTheSameResult() async throws {
        let source = Fixtures.largeSource(models: 6, words: 4_500)
        var ids = [try await Snapshotter.run(store: store, source: source).snapshotID]
        // Night 1: every translation of model 1 edited, model 3 deleted; night 2: half of model 4 edited, a model
        // added, 3,000 words of model 5 removed; night 3: model 6 deleted.
        source.edit("cccccccc-0000-0000-0000-000000000001") { m in for i in m.words!.indices { m.words![i].translation += " (1)" } }
        source.delete("cccccccc-0000-0000-0000-000000000003")
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        source.edit("cccccccc-0000-0000-0000-000000000004") { m in for i in m.words!.indices where i % 2 == 0 { m.words![i].translation += " (2)" } }
        source.put(CustomModel(customizationID: "cccccccc-0000-0000-0000-000000000009", name: "New", language: "en-US",
                               words: Fixtures.words(5_000, prefix: "new-")))
        source.edit("cccccccc-0000-0000-0000-000000000005") { m in m.words!.removeLast(3_000) }
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        source.delete("cccccccc-0000-0000-0000-000000000006")
        ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)

        let engine = SnapshotDiff(store)
        let reader = SnapshotReader(store)
        for (a, b) in [(ids[0], ids[3]), (ids[3], ids[0])] {
            let fast = try engine.between(a, b)
            let full = ContentDiff.compare(try reader.models(in: a), try reader.models(in: b),
                                           from: "snapshot \(a)", to: "snapshot \(b)", matchBy: .id)
            #expect(fast == full, "snapshots \(a) -> \(b)")
            #expect(try engine.between(a, b, detail: .counts) == Self.countsOnly(full), "snapshots \(a) -> \(b)")
            #expect(fast.summary.total > DiffPieces.parallelWords)
            // Rendered in pieces on several threads into reused buffers, large models cut across pieces, the JSON
            // is the JSON of the models one by one.
            let whole = fast.jsonBytes()
            let one = fast.models.indices.map { i in
                var bytes: [UInt8] = []
                ArchiveDiff.json(fast.models, ModelSpan(model: i, words: 0..<fast.models[i].words.count), into: &bytes)
                return bytes
            }
            let pieces = DiffPieces.pieces(fast.models)
            #expect(pieces.count > 2 * ProcessInfo.processInfo.activeProcessorCount, "buffers are reused")
            #expect(pieces.contains { $0.contains { !$0.opens } }, "a model cut across pieces")
            #expect(pieces.joined().map(\.words.count).reduce(0, +) == fast.models.map(\.words.count).reduce(0, +))
            #expect(Array(one.joined()) == Array(whole[Self.firstModel(whole)..<(Self.firstModel(whole) + one.joined().count)]))
        }
        let d = try engine.between(ids[0], ids[3])
        #expect(d.summary.wordsChanged == 4_500 + Fixtures.awkward.count + 2_250)
        #expect(d.summary.wordsRemoved == 9_000 + 3_000)
        #expect(d.summary.wordsAdded == 5_000)
    }

    /// A long range whose ended rows are a small share of the archive is read through the index of ended rows
    /// in pieces, one per core plus one: any number of cores gives the same rows, and the pieces cover the
    /// range exactly once.
    @Test func longRangesAreReadInPiecesForEveryCoreCount() async throws {
        let source = Fixtures.largeSource(models: 6, words: 1_500)
        var ids = [try await Snapshotter.run(store: store, source: source).snapshotID]
        // Each night about 3% of the words end: edits, removals (Japanese ones too), parts of speech.
        for night in 1...8 {
            let id = { (m: Int) in "cccccccc-0000-0000-0000-00000000000\(m)" }
            source.edit(id(night % 6 + 1)) { m in for i in m.words!.indices where i % 10 == night % 10 { m.words![i].translation += " (\(night))" } }
            source.edit(id((night + 2) % 6 + 1)) { m in m.words!.removeFirst(20); m.words! += Fixtures.words(30, prefix: "n\(night)-") }
            source.edit(id(2)) { m in m.words![night].partOfSpeech = PartOfSpeech.allValues[night] }
            ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        }
        let lineage = try LineageRows(db: store.db, from: ids[0], to: ids[8], largeRows: 1_000)
        #expect(lineage.isLarge && !lineage.scansTable)
        func rows(_ r: PackedWords) -> [String] {
            r.spans.map { row in
                let text = { (at: Int, n: Int32) in String(decoding: r.bytes[at..<(at + Int(max(0, n)))], as: UTF8.self) }
                let t = row.start + Int(row.word)
                return "\(row.key) \(text(row.start, row.word)) \(text(t, row.translation)) \(row.partOfSpeech)"
            }
        }
        let one = try lineage.read(cores: 1)
        #expect(rows(one.died).count > 1_000 && rows(one.born).count > 1_000)
        let expected = WordRowMerge.changes(died: one.died, diedPieces: one.diedPieces, born: one.born)
        for cores in [1, 2, 3, 4, 8, 64] {
            let pieces = lineage.endedPieces(cores: cores)
            #expect(pieces.first?.0 == ids[0] && pieces.last?.1 == ids[8], "\(cores) cores")
            #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.1 == $1.0 } && pieces.allSatisfy { $0.0 < $0.1 }, "\(cores) cores")
            #expect(pieces.count <= min(8, max(2, cores)), "\(cores) cores")
            let read = try lineage.read(cores: cores)
            // Pieces are joined as sorted runs, one after another: the same rows, each run in order.
            #expect(rows(read.died).sorted() == rows(one.died).sorted() && rows(read.born) == rows(one.born), "\(cores) cores")
            #expect(read.diedPieces.count == pieces.count, "\(cores) cores")
            #expect(read.died.withRows { x in
                read.diedPieces.allSatisfy { piece in zip(piece, piece.dropFirst()).allSatisfy { x.compare($0, x, $1) < 0 } }
            }, "\(cores) cores")
            // However many runs, the comparison merges them into the same changes.
            let merged = WordRowMerge.changes(died: read.died, diedPieces: read.diedPieces, born: read.born)
            #expect(merged.words == expected.words && merged.counts == expected.counts, "\(cores) cores")
        }
        #expect(lineage.endedPieces(cores: 2).count == 2)
        #expect(lineage.endedPieces(cores: 8).count >= 4)
        let reader = SnapshotReader(store)
        let full = ContentDiff.compare(try reader.models(in: ids[0]), try reader.models(in: ids[8]),
                                       from: "snapshot \(ids[0])", to: "snapshot \(ids[8])", matchBy: .id)
        #expect(try SnapshotDiff(store).between(ids[0], ids[8]) == full)
        #expect(try SnapshotDiff(store).between(ids[8], ids[0], detail: .counts).summary.wordsAdded == full.summary.wordsRemoved)
    }

    /// A full diff as a diff of counts only lists it: the same models and numbers, no words.
    static func countsOnly(_ d: ArchiveDiff) -> ArchiveDiff {
        var c = d
        c.models = d.models.map { m in
            var bare = m
            bare.words = []
            bare.wordCounts = m.wordCounts
            return bare
        }
        // Counted again from the listed words, one by one.
        #expect(c.models.map(\.wordCounts) == d.models.map { m in
            var counts = WordCounts()
            for w in m.words { counts.count(w.change) }
            return counts
        })
        return c
    }

    /// Offset of the first model in a `diff --json` document (where `"models":[` ends: its newline comes first).
    static func firstModel(_ json: [UInt8]) -> Int {
        let marker = Array("\"models\":[".utf8)
        let at = (0...(json.count - marker.count)).first { json[$0..<($0 + marker.count)].elementsEqual(marker) }!
        return at + marker.count
    }

    /// An archive written before migration 0004 (no history indexes) on a read-only mount is still read, by the
    /// slower scan, with the same result; opened writable it gains the indexes.
    @Test func archivesWithoutTheHistoryIndexesAreReadTheSame() async throws {
        let source = Fixtures.standardSource()
        var rng = SplitMix64(seed: 11)
        var ids: [Int64] = []
        for night in 0..<5 {
            if night > 0 { churn(source, &rng, night: night) }
            ids.append(try await Snapshotter.run(store: store, source: source).snapshotID)
        }
        let indexed = try ids.map { a in try ids.map { b in try SnapshotDiff(store).between(a, b) } }
        let models = try ids.map { try SnapshotReader(store).models(in: $0) }
        try store.db.execute("""
            DROP INDEX model_states_history; DROP INDEX model_versions_history;
            DROP INDEX words_ended_by_model_word; DROP INDEX snapshot_tags_by_snapshot;
            DROP TABLE sync_rejections; DROP TABLE sync_steps; DROP TABLE sync_runs; DROP TABLE sync_pairings; DROP TABLE sync_targets;
            DROP TABLE operations; DROP TABLE schedule_pauses;
            DELETE FROM schema_migrations WHERE name >= '0004'
            """)
        let path = store.path
        let readOnly = try ArchiveStore.open(path: path, mode: .readOnly)
        #expect(try readOnly.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_history'", as: Int.self) == 0)
        #expect(try ids.map { a in try ids.map { b in try SnapshotDiff(db: readOnly).between(a, b) } } == indexed)
        #expect(try ids.map { try SnapshotReader(db: readOnly).models(in: $0) } == models)
        // Read-only, the tables of a later feature (sync's) are missing: its readers see none.
        #expect(try SyncJournal.hasTables(readOnly) == false)
        // Writable again: the migration runs.
        let upgraded = try ArchiveStore(path: path, access: .read)
        #expect(try upgraded.db.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_history'", as: Int.self) == 2)
    }

    @Test func onlyIndexMigrationsMayBeSkippedOnReadOnlyArchives() {
        let schema = ArchiveSchema.migrations.map { Migration(name: $0.name, sql: $0.sql) }
        #expect(schema.map(\.onlyCreatesIndexes) == schema.map { ["0004_history_indexes", "0005_word_history_indexes", "0011_snapshot_tags_by_snapshot"].contains($0.name) })
        #expect(!Migration(name: "x", sql: "CREATE INDEX a ON t (c);\nDROP TABLE t;").onlyCreatesIndexes)
        #expect(!Migration(name: "x", sql: "-- only a comment\n").onlyCreatesIndexes)
        // Others say so in a comment: the widened CHECK of 0006, the new tables of sync (0007).
        #expect(schema.filter(\.readersMaySkip).map(\.name) == ["0004_history_indexes", "0005_word_history_indexes",
                                                                  "0006_restore_cancelled", "0007_sync_pairings", "0008_operations", "0009_operation_sync_and_schedules",
                                                                  "0010_removed_models_keep_open_words", "0011_snapshot_tags_by_snapshot"])
        #expect(Migration(name: "x", sql: "-- why\ncreate index a on t (c);\n\n  CREATE INDEX b ON t (d);\n").onlyCreatesIndexes)
    }

    @Test func everyKindOfChangeIsReported() async throws {
        let source = Fixtures.standardSource()
        let a = try await Snapshotter.run(store: store, source: source).snapshotID
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { m in
            m.name = "Renamed"
            m.description = "new description"
            m.words!.removeAll { $0.word == "TCP/IP" }
            m.words!.append(WordEntry(word: "a b", translation: "with a space"))
            if let i = m.words!.firstIndex(where: { $0.word == "cafe\u{301}" }) { m.words![i].translation = "decomposed, edited" }
        }
        source.edit("aaaaaaaa-0000-0000-0000-000000000002") { m in
            m.words![0].partOfSpeech = "Koyu"
            m.prompts = []
        }
        let b = try await Snapshotter.run(store: store, source: source).snapshotID
        let d = try SnapshotDiff(store).between(a, b)
        #expect(d.summary.modelsChanged == 2)
        #expect(d.summary.wordsAdded == 1 && d.summary.wordsRemoved == 1 && d.summary.wordsChanged == 2)
        let general = try #require(d.models.first { $0.fromCustomizationID == "aaaaaaaa-0000-0000-0000-000000000001" })
        #expect(general.metadata.map(\.field) == ["name", "description"])
        #expect(general.words.first { $0.change == .changed }?.word == "cafe\u{301}")
        #expect(general.words.first { $0.change == .removed }?.old?.translation == "T C P I P")
        let japanese = try #require(d.models.first { $0.language == "ja-JP" })
        #expect(japanese.words == [WordChange(change: .changed, word: "ＮＹ", old: Translation(translation: "ニューヨーク", partOfSpeech: "Mesi"),
                                              new: Translation(translation: "ニューヨーク", partOfSpeech: "Koyu"))])
        #expect(japanese.prompts.map(\.change) == [.removed])
        // Filters.
        #expect(try SnapshotDiff(store).between(a, b, filter: ModelFilter(languages: ["ja-JP"])).models.count == 1)
        #expect(try SnapshotDiff(store).between(a, b, filter: ModelFilter(models: ["Renamed"])).models.count == 1)
    }

    /// Text is copied into `--json` and the text output as bytes: bytes that are not UTF-8 (only a damaged
    /// archive has them) must come out repaired, as a String would show them, not make the JSON invalid.
    @Test func damagedTextIsRepairedInTheListedChanges() async throws {
        let source = Fixtures.standardSource()
        let a = try await Snapshotter.run(store: store, source: source).snapshotID
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { m in
            m.words!.append(WordEntry(word: "damaged", translation: "will be damaged"))
            m.words!.append(WordEntry(word: "fine ü", translation: "non-ASCII, valid"))
            m.words!.append(WordEntry(word: "split", translation: "will be split"))
        }
        let b = try await Snapshotter.run(store: store, source: source).snapshotID
        try store.db.execute("""
            UPDATE words SET word = CAST(x'64616dc3' AS TEXT), translation = CAST(x'41ff42' AS TEXT),
                part_of_speech = CAST(x'80' AS TEXT) WHERE word = 'damaged';
            -- "é" as a whole, but split between the word and its translation: each is invalid on its own.
            UPDATE words SET word = CAST(x'78c3' AS TEXT), translation = CAST(x'a979' AS TEXT) WHERE word = 'split'
            """)
        let d = try SnapshotDiff(store).between(a, b)
        let words = try #require(d.models.first).words
        #expect(words.map(\.word).sorted() == ["dam\u{FFFD}", "fine ü", "x\u{FFFD}"])
        #expect(words.compactMap(\.new).map(\.translation).sorted() == ["A\u{FFFD}B", "non-ASCII, valid", "\u{FFFD}y"])
        #expect(words.compactMap(\.new?.partOfSpeech) == ["\u{FFFD}"])
        let json = d.jsonBytes()
        #expect(String(validating: json, as: UTF8.self) != nil)
        #expect(json.filter { $0 != 0x0A } == (try DiffJSONTests.encoderBytes(d)))
    }

    @Test func recreatedModelIsRemovedPlusAddedByIdButChangedByName() async throws {
        let source = Fixtures.standardSource()
        let a = try await Snapshotter.run(store: store, source: source).snapshotID
        let old = source.current()[0]
        source.delete(old.customizationID)
        var again = old
        again.customizationID = "cccccccc-0000-0000-0000-000000000001"
        again.words![0].translation = "changed on re-creation"
        source.put(again)
        let b = try await Snapshotter.run(store: store, source: source).snapshotID
        let byID = try SnapshotDiff(store).between(a, b)
        #expect(byID.summary.modelsAdded == 1 && byID.summary.modelsRemoved == 1)
        let byName = try SnapshotDiff(store).between(a, b, matchBy: .name)
        #expect(byName.summary.modelsChanged == 1 && byName.summary.wordsChanged == 1)
        #expect(byName.models[0].fromCustomizationID != byName.models[0].toCustomizationID)
    }
}
