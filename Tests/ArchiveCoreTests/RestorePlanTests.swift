import ArchiveCore
import Testing
import TTSAPI

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
