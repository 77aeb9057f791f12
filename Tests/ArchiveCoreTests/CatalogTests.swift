import Foundation
import SQLiteDB
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

@Suite struct CatalogTests {
    let dir: TempDir
    let store: ArchiveStore
    let source = Fixtures.standardSource()
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    /// Three nights: unchanged, then an edit, then a deleted model.
    func threeNights() async throws -> [SnapshotSummary] {
        var out = [try await Snapshotter.run(store: store, source: source, options: .init(tags: ["first"]))]
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words![3].translation = "night two" }
        out.append(try await Snapshotter.run(store: store, source: source))
        source.delete("aaaaaaaa-0000-0000-0000-000000000003")
        out.append(try await Snapshotter.run(store: store, source: source, options: .init(tags: ["third"])))
        return out
    }

    @Test func selectorsResolveOrExplain() async throws {
        let reader = SnapshotReader(store)
        #expect(throws: SelectorError.empty) { try reader.resolve(.latest(back: 0)) }
        let s = try await threeNights()
        #expect(try reader.resolve(SnapshotSelector.parse("latest")) == s[2].snapshotID)
        #expect(try reader.resolve(SnapshotSelector.parse("latest~2")) == s[0].snapshotID)
        #expect(try reader.resolve(SnapshotSelector.parse("first")) == s[0].snapshotID)
        #expect(try reader.resolve(SnapshotSelector.parse("\(s[1].snapshotID)")) == s[1].snapshotID)
        #expect(try reader.resolve(SnapshotSelector.at("2999-01-01")) == s[2].snapshotID)
        #expect(try reader.resolve(SnapshotSelector.at(s[1].finishedAt)) == s[1].snapshotID)

        #expect(throws: SelectorError.notFound("99", available: "snapshots are 1…3 (3 in all)")) { try reader.resolve(.id(99)) }
        #expect(throws: SelectorError.self) { try reader.resolve(SnapshotSelector.parse("latest~3")) }
        #expect(throws: SelectorError.self) { try reader.resolve(SnapshotSelector.parse("nosuchtag")) }
        #expect(throws: SelectorError.self) { try reader.resolve(SnapshotSelector.at("1999-01-01")) }
        #expect(throws: SelectorError.self) { try SnapshotSelector.at("yesterday-ish") }
        #expect(throws: SelectorError.self) { try SnapshotSelector.parse("latest~x") }
        #expect(throws: SelectorError.self) { try SnapshotSelector.parse("0") }

        try ArchiveMaintenance(store).addTags(["first"], to: s[1].snapshotID)
        #expect(throws: SelectorError.ambiguous("first", matches: [s[0].snapshotID, s[1].snapshotID])) {
            try reader.resolve(.tag("first"))
        }
        #expect(throws: SelectorError.self) { try ArchiveMaintenance(store).addTags(["12"], to: s[1].snapshotID) }
    }

    @Test func timesParse() throws {
        for text in ["2026-11-20", "2026-11-20T03:00:00Z", "2026-11-20T03:00:00.123Z", "2026-11-20T04:00:00+01:00", "2026-11-20T03:00:00", "2026-11-20T03:00"] {
            #expect(SnapshotSelector.parseTime(text) != nil, "\(text)")
        }
        #expect(SnapshotSelector.parseTime("2026-11-20T04:00:00+01:00") == SnapshotSelector.parseTime("2026-11-20T03:00:00Z"))
        #expect(SnapshotSelector.parseTime("2026-13-45") == nil)
    }

    @Test func checkPassesAndCatchesTampering() async throws {
        _ = try await threeNights()
        let clean = try ArchiveChecker(store).run()
        #expect(clean.problems.isEmpty)
        #expect(clean.snapshotsChecked == 3)

        // Alter one translation behind the archive's back.
        let original: String = try store.db.scalar("SELECT translation FROM words WHERE id = (SELECT min(id) FROM words)")
        try store.db.run("UPDATE words SET translation = 'tampered' WHERE id = (SELECT min(id) FROM words)")
        let report = try ArchiveChecker(store).run()
        #expect(!report.problems.isEmpty)
        #expect(report.problems.allSatisfy { $0.message.contains("words hash") })

        // A forged digest is caught too.
        try store.db.run("UPDATE words SET translation = ? WHERE translation = 'tampered'", original)
        try store.db.run("UPDATE snapshots SET digest = 'beef' WHERE id = 2")
        #expect(try ArchiveChecker(store).run().problems.map(\.snapshot) == [2])
    }

    @Test func forgetKeepsSurvivorsIntactAndRemovesRows() async throws {
        let s = try await threeNights()
        let keepFirst = try SnapshotReader(store).models(in: s[0].snapshotID)
        let keepThird = try SnapshotReader(store).models(in: s[2].snapshotID)
        var policy = RetentionPolicy()
        policy.last = 1
        policy.tags = ["first"]
        let plan = try ArchiveMaintenance(store).plan(policy)
        #expect(plan.map(\.keep) == [true, false, true])
        #expect(plan[0].reasons == ["last 1"])
        #expect(plan[2].reasons == ["tag first"])
        let rowsBefore: Int = try store.db.scalar("SELECT count(*) FROM words")
        let result = try ArchiveMaintenance(store).forget([s[1].snapshotID], vacuum: true)
        #expect(result.forgotten == [s[1].snapshotID])
        // Night two's edit is still valid in night three: no word row is needed by snapshot 2 alone.
        #expect(try store.db.scalar("SELECT count(*) FROM words", as: Int.self) == rowsBefore)
        #expect(try SnapshotReader(store).models(in: s[0].snapshotID) == keepFirst)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
        // Forgetting the first night drops the row that only it needed (the translation before night two's edit).
        _ = try ArchiveMaintenance(store).forget([s[0].snapshotID], vacuum: true)
        #expect(try store.db.scalar("SELECT count(*) FROM words", as: Int.self) == rowsBefore - 1)
        #expect(try SnapshotReader(store).models(in: s[2].snapshotID) == keepThird)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
        // The lineage carries on.
        let next = try await Snapshotter.run(store: store, source: source)
        #expect(next.modelsChanged + next.modelsAdded + next.modelsRemoved == 0)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    @Test func forgettingTheNewestSnapshotStillLetsTheLineageContinue() async throws {
        let s = try await threeNights()
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { $0.words![3].translation = "night four" }
        _ = try ArchiveMaintenance(store).forget([s[2].snapshotID], vacuum: false)
        let next = try await Snapshotter.run(store: store, source: source)
        #expect(try SnapshotReader(store).models(in: next.snapshotID) == source.current())
        #expect(try SnapshotReader(store).models(in: s[1].snapshotID).count == 3)
        #expect(try ArchiveChecker(store).run().problems.isEmpty)
    }

    @Test func aKeepTagNoSnapshotHasIsRefusedListingTheTags() async throws {
        _ = try await threeNights()
        var policy = RetentionPolicy()
        policy.tags = ["frist"]
        let maintenance = ArchiveMaintenance(store)
        #expect(throws: RetentionError.unknownTag("frist", existing: ["first", "third"])) { try maintenance.plan(policy) }
        // Even with --allow-empty: a keep rule that keeps nothing is a typo, not a wish.
        #expect(throws: RetentionError.unknownTag("frist", existing: ["first", "third"])) {
            try maintenance.plan(policy, allowEmpty: true)
        }
        policy.tags = ["first", "third"]
        #expect(try maintenance.plan(policy).filter(\.keep).map(\.snapshot) == [3, 1])
    }

    @Test func aPolicyThatForgetsAWholeLineageIsRefusedUnlessAllowed() async throws {
        let s = try await threeNights()
        // A second lineage (the Japanese models only) that has no tagged snapshot: --keep-tag first keeps none of it.
        _ = try await Snapshotter.run(store: store, source: source, options: .init(filter: ModelFilter(languages: ["ja-JP"])))
        var policy = RetentionPolicy()
        policy.tags = ["first"]
        let maintenance = ArchiveMaintenance(store)
        let lineage = source.sourceDescription.url + " (language=ja-JP)"
        #expect(throws: RetentionError.wouldForgetLineage(source: lineage, snapshots: 1)) { try maintenance.plan(policy) }
        let allowed = try maintenance.plan(policy, allowEmpty: true)
        #expect(allowed.filter(\.keep).map(\.snapshot) == [s[0].snapshotID])
        #expect(allowed.count == 4)
        // A rule that keeps something of every lineage passes without the flag.
        policy.last = 1
        #expect(try maintenance.plan(policy).filter(\.keep).count == 3)
    }

    @Test func retentionBuckets() throws {
        var p = RetentionPolicy()
        p.daily = 2
        let snaps: [(id: Int64, finishedAt: String, tags: [String])] = [
            (1, "2026-11-01T01:00:00.000Z", []), (2, "2026-11-01T23:00:00.000Z", []),
            (3, "2026-11-02T01:00:00.000Z", []), (4, "2026-11-03T01:00:00.000Z", []),
        ]
        #expect(p.decide(snaps).filter(\.keep).map(\.snapshot) == [4, 3])
        p = RetentionPolicy()
        p.within = try RetentionPolicy.parseDuration("1d")  // exactly 24 h back is still within
        #expect(try RetentionPolicy.parseDuration("1d12h") == 36 * 3600)
        #expect(p.decide(snaps).filter(\.keep).map(\.snapshot) == [4, 3])
        #expect(throws: RetentionError.self) { try RetentionPolicy.parseDuration("7x") }
        #expect(throws: RetentionError.self) { try RetentionPolicy.parseDuration("7") }
    }

    @Test func hotCopyIsACompleteArchive() async throws {
        _ = try await threeNights()
        let copy = dir.path("copy.sqlite")
        try ArchiveMaintenance(store).backup(to: copy)
        let other = try ArchiveStore(path: copy, access: .read)
        #expect(try ArchiveChecker(other).run().problems.isEmpty)
        #expect(try SnapshotReader(other).all() == SnapshotReader(store).all())
        #expect(try other.info().archiveID == store.info().archiveID)
    }
}
