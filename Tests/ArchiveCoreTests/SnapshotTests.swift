import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

@Suite struct SnapshotTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    func count(_ sql: String) throws -> Int { try store.db.scalar(sql) }

    /// The archive's view of a snapshot must equal what the service returned, byte for byte.
    func expectRoundTrip(_ snapshot: Int64, equals source: ScriptedSource, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let archived = try SnapshotReader(store).models(in: snapshot)
        let live = source.current()
        #expect(archived.map(\.customizationID) == live.map(\.customizationID), sourceLocation: sourceLocation)
        for (a, l) in zip(archived, live) {
            #expect(a == l, sourceLocation: sourceLocation)
            #expect(a.words?.map { Array($0.word.utf8) } == l.words?.map { Array($0.word.utf8) }, sourceLocation: sourceLocation)
            #expect(a.words?.map { Array($0.translation.utf8) } == l.words?.map { Array($0.translation.utf8) }, sourceLocation: sourceLocation)
        }
    }

    @Test func firstSnapshotRecordsEverythingByteExactly() async throws {
        let source = Fixtures.standardSource()
        let s = try await Snapshotter.run(store: store, source: source, options: .init(note: "first", tags: ["initial"]))
        #expect(s.models == 3)
        #expect(s.words == 50 + Fixtures.awkward.count + Fixtures.japanese.count)
        #expect(s.prompts == 1)
        #expect(s.modelsAdded == 3 && s.wordsAdded == s.words)
        #expect(s.digest.count == 64)
        try expectRoundTrip(s.snapshotID, equals: source)
        let record = try #require(try SnapshotReader(store).snapshot(s.snapshotID))
        #expect(record.tags == ["initial"])
        #expect(record.note == "first")
        // Precomposed and decomposed spellings stay two entries.
        #expect(try count("SELECT count(*) FROM words WHERE word LIKE 'caf%'") == 2)
    }

    @Test func unchangedResnapshotAddsNoRows() async throws {
        let source = Fixtures.standardSource()
        let first = try await Snapshotter.run(store: store, source: source)
        let rowsBefore = try count("SELECT (SELECT count(*) FROM words) + (SELECT count(*) FROM model_states) + (SELECT count(*) FROM model_versions) + (SELECT count(*) FROM prompts)")
        let second = try await Snapshotter.run(store: store, source: source)
        #expect(second.snapshotID > first.snapshotID)
        #expect(second.digest == first.digest)
        #expect(second.modelsAdded + second.modelsRemoved + second.modelsChanged == 0)
        #expect(second.wordsAdded + second.wordsRemoved + second.wordsChanged == 0)
        #expect(try count("SELECT (SELECT count(*) FROM words) + (SELECT count(*) FROM model_states) + (SELECT count(*) FROM model_versions) + (SELECT count(*) FROM prompts)") == rowsBefore)
        try expectRoundTrip(first.snapshotID, equals: source)
        try expectRoundTrip(second.snapshotID, equals: source)
    }

    @Test func changesAreStoredAsDeltasAndOldSnapshotsStayIntact() async throws {
        let source = Fixtures.standardSource()
        let first = try await Snapshotter.run(store: store, source: source)
        let before = source.current()
        let wordRows = try count("SELECT count(*) FROM words")

        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { m in
            m.words![0].translation = "edited"                      // changed
            m.words!.removeLast()                                    // removed
            m.words!.append(WordEntry(word: "NEW", translation: "new"))  // added
            m.name = "General (renamed)"
        }
        source.edit("aaaaaaaa-0000-0000-0000-000000000002") { m in
            m.words![0].partOfSpeech = "Koyu"                        // part of speech changed
            m.prompts = []
        }
        source.delete("aaaaaaaa-0000-0000-0000-000000000003")
        source.put(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000004", name: "Later", language: "fr-FR", words: Fixtures.words(3)))

        let second = try await Snapshotter.run(store: store, source: source)
        #expect(second.modelsAdded == 1)
        #expect(second.modelsRemoved == 1)
        #expect(second.modelsChanged == 2)
        #expect(second.wordsChanged == 2)
        #expect(second.wordsRemoved == 1)
        #expect(second.wordsAdded == 1 + 3)
        // Two edits, one add and the new model's three words: six new word rows.
        #expect(try count("SELECT count(*) FROM words") == wordRows + 6)
        try expectRoundTrip(second.snapshotID, equals: source)
        #expect(try SnapshotReader(store).models(in: first.snapshotID) == before)
    }

    @Test func modelDeletedBetweenListAndGetIsRecordedAsGone() async throws {
        let source = Fixtures.standardSource()
        source.onGet = { id in if id.hasSuffix("3") { source.delete(id) } }
        let s = try await Snapshotter.run(store: store, source: source)
        #expect(s.goneDuringRun == ["aaaaaaaa-0000-0000-0000-000000000003"])
        #expect(s.models == 2)
        try expectRoundTrip(s.snapshotID, equals: source)
    }

    @Test func listedModelThatKeepsAnswering401IsAnErrorAndNothingIsRecorded() async throws {
        let source = Fixtures.standardSource()
        source.refuseGet = ["aaaaaaaa-0000-0000-0000-000000000002"]
        await #expect(throws: SnapshotError.modelVanishedButListed(id: "aaaaaaaa-0000-0000-0000-000000000002")) {
            try await Snapshotter.run(store: store, source: source)
        }
        #expect(try count("SELECT count(*) FROM snapshots") == 0)
        #expect(try count("SELECT count(*) FROM words") == 0)
    }

    @Test func modelChangedDuringTheRunIsFetchedAgain() async throws {
        let source = Fixtures.standardSource()
        var edited = false
        source.onGet = { id in
            // Edit model 1 right after it was fetched the first time.
            if id.hasSuffix("2"), !edited {
                edited = true
                source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words![1].translation = "changed mid-run" }
            }
        }
        let s = try await Snapshotter.run(store: store, source: source, options: .init(concurrency: 1))
        #expect(s.refetched == ["aaaaaaaa-0000-0000-0000-000000000001"])
        try expectRoundTrip(s.snapshotID, equals: source)
    }

    @Test func failureMidRunLeavesTheArchiveAsItWas() async throws {
        let source = Fixtures.standardSource()
        let first = try await Snapshotter.run(store: store, source: source)
        let fileBefore = try count("SELECT count(*) FROM words")
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words!.append(WordEntry(word: "x", translation: "y")) }
        source.failGet = ["aaaaaaaa-0000-0000-0000-000000000003"]
        await #expect(throws: ScriptedSource.Failure.self) { try await Snapshotter.run(store: store, source: source) }
        #expect(try count("SELECT count(*) FROM snapshots") == 1)
        #expect(try count("SELECT count(*) FROM words") == fileBefore)
        #expect(try count("SELECT count(*) FROM words WHERE valid_to <> 2147483647") == 0)
        // And the next run works.
        source.failGet = []
        let next = try await Snapshotter.run(store: store, source: source)
        #expect(next.snapshotID > first.snapshotID)
        #expect(next.wordsAdded == 1)
    }

    @Test func duplicateWordsInAnAnswerAreRefused() async throws {
        let source = ScriptedSource()
        source.put(CustomModel(customizationID: "dddddddd-0000-0000-0000-000000000001", name: "d", language: "en-US",
                               words: [WordEntry(word: "a", translation: "1"), WordEntry(word: "a", translation: "2")]))
        let error = await #expect(throws: SnapshotError.self) { try await Snapshotter.run(store: store, source: source) }
        // Source-neutral: the same refusal serves `import`.
        #expect(error?.description == #"the answer for model dddddddd-0000-0000-0000-000000000001 lists the word "a" twice; nothing was recorded"#)
        #expect(try count("SELECT count(*) FROM snapshots") == 0)
    }

    /// Beyond the documented limits (20,000 entries, 49-character words, 499-character translations) an answer
    /// is refused whole: nothing recorded, and a model exactly at the limits is fine.
    @Test func answersBeyondTheServiceLimitsAreRefused() async throws {
        let atLimit = (0..<ServiceLimits.maxWordsPerModel).map { WordEntry(word: "w\($0)", translation: "t") }
        let cases: [[WordEntry]] = [
            atLimit + [WordEntry(word: "one-more", translation: "t")],
            [WordEntry(word: String(repeating: "é", count: ServiceLimits.maxWordLength + 1), translation: "t")],
            [WordEntry(word: "long", translation: String(repeating: "x", count: ServiceLimits.maxTranslationLength + 1))],
        ]
        for words in cases {
            let source = ScriptedSource()
            source.put(CustomModel(customizationID: "bbbbbbbb-0000-0000-0000-000000000001", name: "b", language: "en-US", words: words))
            await #expect(throws: SnapshotError.self) { try await Snapshotter.run(store: store, source: source) }
            #expect(try count("SELECT count(*) FROM snapshots") == 0)
        }
        var full = atLimit
        full[0] = WordEntry(word: String(repeating: "é", count: ServiceLimits.maxWordLength),
                            translation: String(repeating: "x", count: ServiceLimits.maxTranslationLength))
        let source = ScriptedSource()
        source.put(CustomModel(customizationID: "ffffffff-0000-0000-0000-000000000001", name: "f", language: "en-US", words: full))
        let ok = try await Snapshotter.run(store: store, source: source)
        #expect(ok.words == ServiceLimits.maxWordsPerModel)
    }

    @Test func filteredSnapshotsFormTheirOwnLineage() async throws {
        let source = Fixtures.standardSource()
        let all = try await Snapshotter.run(store: store, source: source)
        let ja = try await Snapshotter.run(store: store, source: source, options: .init(filter: ModelFilter(languages: ["ja-JP"])))
        #expect(ja.models == 1 && ja.scope == "language=ja-JP")
        // The unfiltered lineage is untouched by the filtered run: its next snapshot sees no change.
        let again = try await Snapshotter.run(store: store, source: source)
        #expect(again.modelsRemoved == 0 && again.modelsAdded == 0 && again.digest == all.digest)
        #expect(try SnapshotReader(store).models(in: ja.snapshotID).map(\.language) == ["ja-JP"])
    }

    @Test func viewsAnswerFromTheShell() async throws {
        let source = Fixtures.standardSource()
        let s = try await Snapshotter.run(store: store, source: source)
        #expect(try count("SELECT count(*) FROM snapshot_words WHERE snapshot = \(s.snapshotID)") == s.words)
        #expect(try count("SELECT count(*) FROM latest_words") == s.words)
        #expect(try count("SELECT count(*) FROM snapshot_models WHERE snapshot = \(s.snapshotID)") == 3)
    }
}

@Suite struct DiskFullTests {
    /// A full disk mid-snapshot (SQLITE_FULL, produced here with max_page_count) rolls the whole snapshot back:
    /// the earlier snapshot stays intact, check passes, and once there is room the next run works.
    @Test func fullDiskLeavesTheArchiveAsItWas() async throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let source = Fixtures.standardSource()
        let first = try await Snapshotter.run(store: store, source: source)
        source.put(CustomModel(customizationID: "bbbbbbbb-0000-0000-0000-000000000002", name: "Bulk import", language: "en-US",
                               words: Fixtures.words(20_000, prefix: "bulk-")))
        let pages: Int = try store.db.scalar("PRAGMA page_count")
        _ = try store.db.scalar("PRAGMA max_page_count = \(pages + 2)", as: Int.self)
        do {
            _ = try await Snapshotter.run(store: store, source: source)
            Issue.record("expected the snapshot to fail on a full database")
        } catch let error as ArchiveError {
            #expect(error == .diskFull(path: store.path))
        }
        #expect(try SnapshotReader(store).all().map(\.id) == [first.snapshotID])
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
        _ = try store.db.scalar("PRAGMA max_page_count = 1073741823", as: Int.self)
        let next = try await Snapshotter.run(store: store, source: source)
        #expect(try SnapshotReader(store).models(in: next.snapshotID) == source.current())
    }
}

/// Answers that must never be recorded as something else (issue 15): an answer for another id is not a deletion,
/// one without words is not an empty model, and names, descriptions and ids beyond what the service can hold are
/// refused; rows altered in the archive are not carried forward as unchanged.
@Suite struct HostileAnswerTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    func count(_ sql: String) throws -> Int { try store.db.scalar(sql) }

    /// Runs a snapshot expected to be refused, and checks nothing was recorded.
    func expectRefused(_ source: ScriptedSource, sourceLocation: SourceLocation = #_sourceLocation) async throws -> SnapshotError? {
        let snapshots = try count("SELECT count(*) FROM snapshots"), words = try count("SELECT count(*) FROM words")
        let error = await #expect(throws: SnapshotError.self, sourceLocation: sourceLocation) {
            try await Snapshotter.run(store: store, source: source)
        }
        #expect(try count("SELECT count(*) FROM snapshots") == snapshots, sourceLocation: sourceLocation)
        #expect(try count("SELECT count(*) FROM words") == words, sourceLocation: sourceLocation)
        #expect(try count("SELECT count(*) FROM words WHERE valid_to <> 2147483647") == 0, sourceLocation: sourceLocation)
        return error
    }

    @Test func anAnswerForAnotherIDFailsTheSnapshotInsteadOfRecordingADeletion() async throws {
        let source = Fixtures.standardSource()
        _ = try await Snapshotter.run(store: store, source: source)
        let id = "aaaaaaaa-0000-0000-0000-000000000001"
        source.tamper = { m in if m.customizationID == id { m.customizationID = "aaaaaaaa-0000-0000-0000-000000000009" } }
        let error = try await expectRefused(source)
        #expect(error == .malformedAnswer(model: id, what: #"is for customization id "aaaaaaaa-0000-0000-0000-000000000009""#))
        // The same answer from the first snapshot of an archive.
        let fresh = try ArchiveStore(path: dir.path("b.sqlite"), access: .write)
        await #expect(throws: SnapshotError.self) { try await Snapshotter.run(store: fresh, source: source) }
        #expect(try SnapshotReader(fresh).all().isEmpty)
    }

    @Test func anAnswerWithoutWordsIsRefusedAndAnEmptyArrayIsAnEmptyModel() async throws {
        let source = Fixtures.standardSource()
        _ = try await Snapshotter.run(store: store, source: source)
        let id = "aaaaaaaa-0000-0000-0000-000000000001"
        source.tamper = { m in if m.customizationID == id { m.words = nil } }
        #expect(try await expectRefused(source) == .malformedAnswer(model: id, what: "has no words array"))
        source.tamper = { m in if m.customizationID == id { m.words = [] } }
        let empty = try await Snapshotter.run(store: store, source: source)
        #expect(empty.models == 3 && empty.modelsRemoved == 0 && empty.modelsChanged == 1)
        #expect(try SnapshotReader(store).models(in: empty.snapshotID).first { $0.customizationID == id }?.words == [])
    }

    @Test func namesDescriptionsAndIDsBeyondTheServiceAreRefused() async throws {
        let guid = "eeeeeeee-0000-4000-8000-000000000001"
        let cases: [(CustomModel, SnapshotError)] = [
            (CustomModel(customizationID: guid, name: String(repeating: "n", count: 257), words: []),
             .overLimit(model: guid, what: "a 257-character name (limit 256)")),
            (CustomModel(customizationID: guid, name: "d", description: String(repeating: "é", count: 129), words: []),
             .overLimit(model: guid, what: "a 129-character description (limit 128)")),
            (CustomModel(customizationID: "", name: "empty id", words: []), .notACustomizationID("")),
            (CustomModel(customizationID: "my-model", name: "not a GUID", words: []), .notACustomizationID("my-model")),
            (CustomModel(customizationID: "eeeeeeee-0000-4000-8000-00000000000g", name: "g", words: []),
             .notACustomizationID("eeeeeeee-0000-4000-8000-00000000000g")),
        ]
        for (model, expected) in cases {
            let source = Fixtures.standardSource()
            source.put(model)
            #expect(try await expectRefused(source) == expected)
        }
        // At the limits, counted in characters (Unicode scalars) as the service counts: recorded.
        let source = Fixtures.standardSource()
        source.put(CustomModel(customizationID: guid.uppercased(), name: String(repeating: "日", count: 256),
                               description: String(repeating: "é", count: 128), words: []))
        source.put(CustomModel(customizationID: "eeeeeeee-0000-4000-8000-000000000002", name: #"A/B: a\b = c & d?"#, words: []))
        let ok = try await Snapshotter.run(store: store, source: source)
        #expect(ok.models == 5)
        #expect(try SnapshotReader(store).models(in: ok.snapshotID).contains { $0.name == #"A/B: a\b = c & d?"# })
    }

    /// A translation altered in the archive (the model's recorded hash still equals the service's) is rewritten
    /// from the answer, counted as healed and not as a change; older snapshots keep the damage and `check` says so.
    @Test func damagedRowsAreHealedNotCarriedForward() async throws {
        let source = Fixtures.standardSource()
        let first = try await Snapshotter.run(store: store, source: source)
        let general = "aaaaaaaa-0000-0000-0000-000000000001", japanese = "aaaaaaaa-0000-0000-0000-000000000002"
        try store.db.execute("UPDATE words SET translation = 'tampered' WHERE word = 'w7'")
        try store.db.execute("UPDATE words SET word = 'w8x' WHERE word = 'w8'")
        try store.db.execute("DELETE FROM words WHERE word = 'w9'")
        try store.db.execute("UPDATE words SET part_of_speech = NULL WHERE word = 'ＮＹ'")
        try store.db.execute("UPDATE prompts SET prompt = 'Goodbye'")
        #expect(try ArchiveChecker(store).run().problems.contains { $0.snapshot == first.snapshotID })

        let second = try await Snapshotter.run(store: store, source: source)
        #expect(second.healed == [
            .init(customizationID: general, name: "General", rows: 3),
            .init(customizationID: japanese, name: "日本語", rows: 2),
        ])
        #expect(second.modelsChanged == 0 && second.wordsAdded + second.wordsRemoved + second.wordsChanged == 0)
        #expect(second.digest == first.digest)
        #expect(try SnapshotReader(store).models(in: second.snapshotID) == source.current())
        let problems = try ArchiveChecker(store).run().problems
        #expect(!problems.isEmpty && problems.allSatisfy { $0.snapshot != second.snapshotID })

        // Healed once: the next run finds nothing.
        let third = try await Snapshotter.run(store: store, source: source)
        #expect(third.healed.isEmpty)
        #expect(try SnapshotReader(store).models(in: third.snapshotID) == source.current())
    }
}
