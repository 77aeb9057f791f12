import Testing
import TTSAPI
@testable import ArchiveCore

/// ``RestorePlan/make`` for every `--existing` policy: what each snapshot model becomes, and the requests counted.
@Suite struct RestorePlanTests {
    static func model(_ id: String, _ name: String, _ language: String = "en-US", words: Int = 0) -> CustomModel {
        CustomModel(customizationID: id, name: name, language: language, description: "d",
                    words: Fixtures.words(words), prompts: [])
    }

    /// Snapshot: two "Terms" (en-US), one "Terms" (de-DE), one "Solo". Target: two "Terms" (en-US), one "Other".
    static let snapshot = [model("s1", "Terms", words: 2_600), model("s2", "Terms", words: 10), model("s3", "Terms", "de-DE", words: 1),
                           model("s4", "Solo", words: 0)]
    static let target = [model("t2", "Terms"), model("t1", "Terms"), model("t3", "Other")]

    static func plan(_ existing: ExistingPolicy, mode: RestoreMode = .batch, target: [CustomModel] = target) throws -> RestorePlan {
        try RestorePlan.make(snapshotID: 7, target: "http://t", snapshotModels: snapshot, targetModels: target,
                             options: RestoreOptions(existing: existing, mode: mode, batchSize: 1_000))
    }

    @Test func failRefusesATargetWithAnyModelAndPlansAnEmptyOne() throws {
        #expect(throws: RestoreError.targetNotEmpty(models: 3, conflicts: 1)) { try Self.plan(.fail) }
        #expect(throws: RestoreError.targetNotEmpty(models: 1, conflicts: 0)) { try Self.plan(.fail, target: [Self.model("t3", "Other")]) }
        let plan = try Self.plan(.fail, target: [])
        #expect(plan.items.map(\.action) == [.create, .create, .create, .create])
        // A create each, then ceil(words / 1,000) batches.
        #expect(plan.items.map(\.requests) == [4, 2, 2, 1])
        #expect(plan.words == 2_611 && plan.targetModels == 0 && plan.conflicts.isEmpty)
    }

    @Test func skipLeavesEveryModelOfTheSameNameAndLanguageAlone() throws {
        let plan = try Self.plan(.skip)
        #expect(plan.items.map(\.action) == [.skip, .skip, .create, .create])
        #expect(plan.items.map(\.requests) == [0, 0, 2, 1])
        #expect(plan.words == 1 && plan.requests == 3)
        #expect(plan.conflicts == [RestorePlan.Conflict(name: "Terms", language: "en-US", targetIDs: ["t1", "t2"])])
        #expect(plan.targetModels == 3)
    }

    @Test func updatePairsSameNameModelsInIDOrderAndCreatesTheRest() throws {
        let plan = try Self.plan(.update)
        #expect(plan.items.map(\.action) == [.update, .update, .create, .create])
        #expect(plan.items.map(\.targetID) == ["t1", "t2", nil, nil])
        // One more snapshot model of that name than the target has: it is created.
        let three = try RestorePlan.make(snapshotID: 7, target: "http://t", snapshotModels: Self.snapshot + [Self.model("s5", "Terms")],
                                         targetModels: Self.target, options: RestoreOptions(existing: .update))
        #expect(three.items.map(\.action) == [.update, .update, .create, .create, .create])
        #expect(three.items.last?.targetID == nil)
    }

    @Test func replaceDeletesEverySameNameModelOnceBeforeCreating() throws {
        let plan = try Self.plan(.replace)
        #expect(plan.items.map(\.action) == [.replace, .create, .create, .create])
        #expect(plan.items[0].replaces == ["t1", "t2"] && plan.items[1].replaces.isEmpty)
        // Two deletes, the create and three batches.
        #expect(plan.items[0].requests == 6)
        #expect(plan.items.allSatisfy { $0.targetID == nil })
    }

    @Test func singleModeCountsOneRequestPerWordAndTheFilterLimitsTheModels() throws {
        let single = try Self.plan(.fail, mode: .single, target: [])
        #expect(single.items.map(\.requests) == [2_601, 11, 2, 1])
        let filtered = try RestorePlan.make(snapshotID: 7, target: "http://t", snapshotModels: Self.snapshot, targetModels: [],
                                            options: RestoreOptions(filter: ModelFilter(languages: ["de-DE"])))
        #expect(filtered.items.map(\.sourceID) == ["s3"])
    }
}

@Suite struct RestoreNameWarningTests {
    /// Names with characters the documentation forbids are archived; a restore that would create such a model
    /// warns (the plan says so per model), one that leaves it alone does not.
    @Test func aPlanWarnsOfNamesTheServiceMayRefuse() throws {
        let snapshot = [
            CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000001", name: "TCP/IP terms", language: "en-US", words: []),
            CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000002", name: "Plain", language: "en-US", words: []),
            CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000003", name: #"a\b=c?"#, language: "en-US", words: []),
        ]
        let plan = try RestorePlan.make(snapshotID: 1, target: "t", snapshotModels: snapshot, targetModels: [], options: .init())
        #expect(plan.items.map { $0.warning != nil } == [true, false, true])
        #expect(plan.items[0].warning == #"the name "TCP/IP terms" holds "/", which the service's documentation forbids in model names; the service may refuse to create the model"#)
        #expect(plan.items[2].warning?.contains(#"holds "\", "=", "?""#) == true)
        let existing = [CustomModel(customizationID: "bbbbbbbb-0000-0000-0000-000000000001", name: "TCP/IP terms", language: "en-US")]
        let skip = try RestorePlan.make(snapshotID: 1, target: "t", snapshotModels: snapshot, targetModels: existing, options: .init(existing: .skip))
        #expect(skip.items.map { $0.warning != nil } == [false, false, true])
    }
}
