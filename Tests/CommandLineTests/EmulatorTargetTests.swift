import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSClient
import TTSEmulator
import InProcessEmulator
@testable import tts_archive

/// The drill's target: the emulator's instance called directly, refusing as the client reports the service's
/// refusals over HTTP.
@Suite struct EmulatorTargetTests {
    /// A snapshot source with fixed content, for entries the service would refuse.
    struct FixedSource: ModelSource {
        let models: [CustomModel]
        var sourceDescription: SourceDescription { SourceDescription(kind: .service, url: "http://127.0.0.1:1/fixed") }
        func listModels() async throws -> [CustomModel] { models.map { var m = $0; m.words = nil; return m } }
        func getModel(id: String) async throws -> CustomModel { models.first { $0.customizationID == id }! }
    }

    static func model(_ id: String, _ language: String, _ words: [WordEntry]) -> CustomModel {
        CustomModel(customizationID: id, name: "Fixed \(id.prefix(4))", language: language, owner: "x",
                    created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z", description: "",
                    words: words.sorted { WordEntry.serviceOrder($0.word, $1.word) }, prompts: [])
    }

    static func kind(_ error: any Error) -> TTSClient.ServiceError.Kind? { (error as? TTSClient.ServiceError)?.kind }

    @Test func refusalsComeBackAsTheClientsErrors() async throws {
        let target = EmulatorTarget(ServiceInstance())
        let gone = "11111111-2222-3333-4444-555555555555"
        await #expect(performing: { try await target.deleteModel(id: gone) }, throws: { Self.kind($0) == .unknownCustomization })
        await #expect(performing: { _ = try await target.createModel(CreateModelRequest(name: "m", language: "xx-XX")) },
                      throws: { Self.kind($0) == .badRequest })
        let id = try await target.createModel(CreateModelRequest(name: "m", language: "en-US")).customizationID
        #expect(try await target.listModels().map(\.customizationID) == [id])
        do {
            try await target.addWords(id: id, PackedWords([WordEntry(word: "two words", translation: "x")]), 0..<1)
            Issue.record("a word with white space was accepted")
        } catch let error as TTSClient.ServiceError {
            #expect(error.kind == .badRequest && error.status == 400 && error.method == "POST")
            #expect(error.path == "/v1/customizations/\(id)/words")
            #expect(error.message?.contains("white space") == true)
        }
        await #expect(performing: { try await target.deleteWord(id: id, word: "TCP/IP") }, throws: { error in
            let e = error as? TTSClient.ServiceError
            return e?.kind == .badRequest && e?.path == "/v1/customizations/\(id)/words/TCP%2FIP"
        })
        try await target.addWord(id: id, word: "TCP/IP", Translation(translation: "T C P I P"))
        #expect(try await target.getWord(id: id, word: "TCP/IP") == Translation(translation: "T C P I P"))
        let (model, words) = try await target.getModelPackingWords(id: id)
        #expect(model.words == nil && words.entries == [WordEntry(word: "TCP/IP", translation: "T C P I P")])
    }

    @Test func aDrillRunsWithoutAServerAndNamesRefusedEntries() async throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let words = (0..<300).map { WordEntry(word: "word\($0)", translation: "translation \($0)") }
        let good = try await Snapshotter.run(store: store, source: FixedSource(models: [
            Self.model("aaaaaaaa-2222-3333-4444-555555555555", "en-US", words),
            Self.model("bbbbbbbb-2222-3333-4444-555555555555", "xx-XX", [WordEntry(word: "hello", translation: "hullo")]),
        ]), options: .init()).snapshotID
        let passed = try await DrillRun.perform(store: store, snapshot: good, filter: .init(), concurrency: 2)
        #expect(passed.status == .passed && passed.models == 2 && passed.words == 301)
        #expect(passed.report.target == "in-process emulator")

        let bad = try await Snapshotter.run(store: store, source: FixedSource(models: [
            Self.model("aaaaaaaa-2222-3333-4444-555555555555", "en-US", words + [WordEntry(word: "two words", translation: "bad")]),
        ]), options: .init()).snapshotID
        let failed = try await DrillRun.perform(store: store, snapshot: bad, filter: .init(), concurrency: 2)
        #expect(failed.status == .failed && failed.rejectedEntries == 1)
        #expect(failed.report.models[0].rejections.map(\.word) == ["two words"])
        #expect(failed.report.models[0].rejections[0].message.contains("white space"))
        #expect(try RestoreRunSummary.all(in: store).isEmpty)
    }
}
