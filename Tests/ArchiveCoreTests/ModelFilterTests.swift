import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// A `--model` or `--language` that selects nothing is refused, naming what exists, before anything is
/// recorded, compared, exported or restored (issue 15, item 10).
@Suite struct ModelFilterTests {
    let dir: TempDir
    let store: ArchiveStore
    init() throws {
        dir = try TempDir()
        store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
    }

    static let models = [
        CustomModel(customizationID: "id-1", name: "General", language: "en-US"),
        CustomModel(customizationID: "id-2", name: "日本語", language: "ja-JP"),
        CustomModel(customizationID: "id-3", name: "Empty", language: "de-DE"),
    ]

    func message(_ filter: ModelFilter, _ existing: [CustomModel] = Self.models) -> String? {
        do {
            try filter.check(existing, in: "on the service")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func valuesThatSelectModelsPass() {
        #expect(message(ModelFilter()) == nil)
        #expect(message(ModelFilter(models: ["General"])) == nil)
        #expect(message(ModelFilter(models: ["id-2", "Empty"])) == nil)
        #expect(message(ModelFilter(languages: ["ja-JP", "de-DE"])) == nil)
        #expect(message(ModelFilter(languages: ["en-US"], models: ["General"])) == nil)
        #expect(message(ModelFilter(), []) == nil)
    }

    @Test func anUnknownModelNamesTheModelsThereAre() {
        #expect(message(ModelFilter(models: ["nosuch"]))
            == #"no model named or with the id "nosuch" on the service (3 models: "Empty", "General", "日本語")"#)
        // A typo in one of two values is still a typo.
        #expect(message(ModelFilter(models: ["General", "Genral"]))?.hasPrefix(#"no model named or with the id "Genral" on"#) == true)
        #expect(message(ModelFilter(models: ["x"]), [])?.hasSuffix("(there are no models)") == true)
        let many = (1...8).map { CustomModel(customizationID: "m\($0)", name: "Model \($0)", language: "en-US") }
        #expect(message(ModelFilter(models: ["x"]), many)?.hasSuffix(#"(8 models: "Model 1", "Model 2", "Model 3", "Model 4", "Model 5", and 3 more)"#) == true)
    }

    @Test func anUnknownLanguageNamesTheLanguagesThereAre() {
        #expect(message(ModelFilter(languages: ["en-US", "fr-FR"]))
            == "no model of language \"fr-FR\" on the service (3 languages: de-DE (1 model), en-US (1 model), ja-JP (1 model))")
    }

    @Test func aModelOfAnotherLanguageIsSaidSo() {
        #expect(message(ModelFilter(languages: ["en-US"], models: ["日本語"]))
            == #"no model "日本語" of language en-US on the service ("日本語" is ja-JP)"#)
        #expect(message(ModelFilter(languages: ["en-US", "ja-JP"], models: ["General"]))
            == #"no model of language ja-JP among "General" on the service (they are en-US)"#)
    }

    @Test func snapshotRefusesAFilterThatMatchesNothingAndRecordsNothing() async throws {
        let source = Fixtures.standardSource()
        for filter in [ModelFilter(models: ["nosuch"]), ModelFilter(languages: ["xx-XX"]), ModelFilter(models: ["General", "nosuch"])] {
            await #expect(throws: ModelFilterError.self) {
                try await Snapshotter.run(store: store, source: source, options: .init(filter: filter))
            }
        }
        #expect(try store.db.scalar("SELECT count(*) FROM snapshots") as Int == 0)
        #expect(try store.db.scalar("SELECT count(*) FROM sources") as Int == 0)
        #expect(source.getCalls == 0)
    }

    @Test func readingAndDiffingCheckTheFilter() async throws {
        let source = Fixtures.standardSource()
        let a = try await Snapshotter.run(store: store, source: source).snapshotID
        source.put(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000009", name: "Added", language: "fr-FR", words: []))
        let b = try await Snapshotter.run(store: store, source: source).snapshotID
        let reader = SnapshotReader(store)
        #expect(throws: ModelFilterError.self) { try reader.check(ModelFilter(models: ["nosuch"]), in: a) }
        #expect(throws: ModelFilterError.self) { try reader.check(ModelFilter(models: ["Added"]), in: a) }
        try reader.check(ModelFilter(models: ["Added"]), in: a, b)
        try reader.check(ModelFilter(), in: a)
        #expect(try reader.modelList(in: b).map(\.name) == ["General", "日本語", "Empty", "Added"])

        let diff = SnapshotDiff(store)
        // Within one lineage, across lineages (--match-by name), and a snapshot with itself.
        for (x, y, match) in [(a, b, ContentDiff.MatchBy.id), (b, a, .id), (a, b, .name), (a, a, .id)] {
            #expect(throws: ModelFilterError.self) { try diff.between(x, y, filter: ModelFilter(models: ["nosuch"]), matchBy: match) }
            #expect(throws: ModelFilterError.self) { try diff.between(x, y, filter: ModelFilter(languages: ["xx-XX"]), matchBy: match) }
        }
        // A model on one side only is matched by it.
        #expect(try diff.between(a, b, filter: ModelFilter(models: ["Added"])).models.map(\.change) == [.added])
        do {
            _ = try diff.between(a, b, filter: ModelFilter(models: ["General", "nosuch"]))
            Issue.record("a typo in one of two --model values was accepted")
        } catch {
            #expect("\(error)" == #"no model named or with the id "nosuch" in snapshots 1 and 2 (4 models: "Added", "Empty", "General", "日本語")"#)
        }
        // Against the service's list: either side may hold the model.
        try diff.check(ModelFilter(models: ["Live only"]), snapshot: a,
                       orService: [CustomModel(customizationID: "live-1", name: "Live only", language: "en-US")])
        #expect(throws: ModelFilterError.self) { try diff.check(ModelFilter(models: ["nosuch"]), snapshot: a, orService: []) }
    }
}
