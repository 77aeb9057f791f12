import Foundation
import Testing
import TTSAPI
@testable import TTSEmulator

@Suite struct SeedingTests {
    @Test func seedsFromADirectoryOfGetModelFiles() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("emu-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = #"""
        {"customization_id": "64f4807f-a5f1-5867-924f-7bba1a84fe97", "owner": "297cfd08-330a-22ba-93ce-1a73f454dd98",
         "created": "2016-07-15T18:12:31.743Z", "last_modified": "2016-07-16T10:00:00.000Z", "name": "Test",
         "language": "en-US", "description": "Customization test",
         "words": [{"word": "NCAA", "translation": "N C double A"}, {"word": "IEEE", "translation": "I triple E"}],
         "prompts": [{"prompt": "Hello", "prompt_id": "hello", "status": "available", "speaker_id": "a1b2"}]}
        """#
        try file.write(to: dir.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try #"{"customization_id":"x","name":"Japanese","language":"ja-JP","words":[{"word":"ＮＹ","translation":"ニューヨーク","part_of_speech":"Koyu"}]}"#
            .write(to: dir.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        try "ignored".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        try await Harness.with { (h) async throws in
            let ids = try h.server.seed(from: dir)
            #expect(ids.count == 2 && ids[0] == "64f4807f-a5f1-5867-924f-7bba1a84fe97")
            let m = try await h.send(.GET, "/v1/customizations/\(ids[0])").decode(CustomModel.self)
            #expect(m.created == "2016-07-15T18:12:31.743Z" && m.lastModified == "2016-07-16T10:00:00.000Z")
            #expect(m.owner == h.server.defaultInstance.owner)
            #expect(m.words?.map(\.word) == ["IEEE", "NCAA"])
            #expect(m.prompts?.first?.speakerID == "a1b2")
            let ja = try h.server.defaultInstance.model(id: ids[1])
            #expect(ja.words == [WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Koyu")])
        }
        try "{\"name\":\"bad\",\"language\":\"en-US\",\"words\":[{\"word\":\"a b\",\"translation\":\"x\"}]}"
            .write(to: dir.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        #expect(throws: EmulatorConfigurationError.self) { try ServiceInstance().seed(from: dir) }
    }

    @Test func generatorIsDeterministicAndRealistic() throws {
        let spec = try GeneratorSpec(parsing: "models=12,words=3000,seed=7")
        let a = ServiceInstance(), b = ServiceInstance()
        let idsA = try a.generate(spec), idsB = try b.generate(spec)
        #expect(idsA == idsB && idsA.count == 12)
        let modelsA = try idsA.map { var m = try a.model(id: $0); m.owner = nil; return m }
        let modelsB = try idsB.map { var m = try b.model(id: $0); m.owner = nil; return m }
        #expect(modelsA == modelsB)
        #expect(a.counts.words == 3000)
        let words = modelsA.flatMap { $0.words ?? [] }
        #expect(words.contains { $0.word.contains("/") || $0.word.contains("&") || $0.word.contains("?") })
        #expect(words.contains { $0.word.contains("%") || $0.word.contains("#") })
        #expect(words.contains { $0.word.unicodeScalars.contains { $0.value > 0xFFFF } })
        #expect(words.contains { $0.translation.contains("alphabet=\"ipa\"") })
        #expect(words.contains { $0.translation.contains("alphabet=\"ibm\"") || $0.translation.contains("alphabet='ibm'") })
        #expect(words.contains { $0.partOfSpeech != nil })
        #expect(Set(modelsA.compactMap(\.language)).count >= 3)
        #expect(modelsA.contains { !($0.prompts ?? []).isEmpty })
        for m in modelsA where m.language != "ja-JP" { #expect(m.words?.allSatisfy { $0.partOfSpeech == nil } == true) }
        let other = try ServiceInstance().generate(GeneratorSpec(models: 12, words: 3000, seed: 8))
        #expect(other != idsA)
        #expect(throws: EmulatorConfigurationError.self) { try GeneratorSpec(parsing: "models=1,words=20001") }
    }

    @Test func oneFullModelIsExactlyTwentyThousandWords() throws {
        let i = ServiceInstance()
        let ids = try i.generate(GeneratorSpec(models: 1, words: 20_000, seed: 3, languages: ["en-US"]))
        #expect(try i.words(id: ids[0]).count == 20_000)
    }

    @Test func churnIsDeterministicAndGoesThroughTheAPIRules() throws {
        let spec = GeneratorSpec(models: 6, words: 600, seed: 11)
        let a = ServiceInstance(), b = ServiceInstance()
        try a.generate(spec)
        try b.generate(spec)
        let ra = a.applyNight(.night, seed: 99), rb = b.applyNight(.night, seed: 99)
        #expect(ra == rb)
        #expect(ra.count(.translationEdited) == 25 && ra.count(.wordDeleted) == 8)
        #expect(ra.count(.modelAdded) == 1 && ra.count(.modelDeleted) == 1)
        #expect(ra.count(.modelRenamed) == 1 && ra.count(.modelRedescribed) == 1)
        #expect(ra.count(.wordAdded) >= 15)
        #expect(a.modelIDs == b.modelIDs)
        for id in a.modelIDs { #expect(try a.words(id: id) == b.words(id: id)) }
        // The report tells the truth: replaying it predicts every touched word's final state.
        var expected: [String: String?] = [:]
        for action in ra.actions {
            guard let word = action.word else { continue }
            expected[action.customizationID + "|" + word] = action.kind == .wordDeleted ? nil as String? : action.value
        }
        let live = Set(a.modelIDs)
        for (key, value) in expected {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            guard live.contains(parts[0]) else { continue }
            #expect((try? a.word(id: parts[0], word: parts[1]).translation) == value, "\(key)")
        }
        let deleted = ra.actions.first { $0.kind == .modelDeleted }!.customizationID
        #expect(throws: ErrorAnswer.self) { try a.model(id: deleted) }
        #expect(a.applyNight(.night, seed: 100) != b.applyNight(.night, seed: 101))
    }

    @Test func churnAndGenerateThroughTheAdminEndpoint() async throws {
        try await Harness.with(EmulatorConfiguration(apiKeys: ["K1"])) { (h) async throws in
            let k1 = Harness.basic("K1")
            #expect(try await h.send(.POST, "/_emulator/generate", json: #"{"spec":"models=3,words=90,seed=1"}"#).status == 401)
            let gen = try await h.send(.POST, "/_emulator/generate", json: #"{"spec":"models=3,words=90,seed=1"}"#, auth: k1)
            #expect((gen.json["customization_ids"] as? [String])?.count == 3)
            let churn = try await h.send(.POST, "/_emulator/churn", json: #"{"seed":5,"spec":"edits=4,deletes=2"}"#, auth: k1)
            #expect(churn.status == 200)
            let report = try churn.decode(ChurnReport.self)
            #expect(report.count(.translationEdited) == 4 && report.count(.wordDeleted) == 2)
            let fields = try await h.send(.POST, "/_emulator/churn", json: #"{"seed":6,"adds":3}"#, auth: k1).decode(ChurnReport.self)
            #expect(fields.count(.wordAdded) == 3)
            let stats = try await h.send(.GET, "/_emulator/stats", auth: k1)
            #expect(stats.json["words"] as? Int == 90 - 2 + 3)
        }
    }
}

/// The emulator keeps a model's service order without sorting while adds only append beyond the last word
/// (a restore); every other sequence of adds, overwrites and deletes must list exactly what a sort would.
@Suite struct WordOrderTests {
    @Test func listingIsSortedWhateverTheOrderOfChanges() throws {
        let i = ServiceInstance()
        let id = try i.createModel(CreateModelRequest(name: "order", language: "en-US"))
        // Keyed by bytes: String keys would merge the precomposed and decomposed spellings the service keeps apart.
        var expected: [[UInt8]: String] = [:]
        var rng = SystemRandomNumberGenerator()
        func check(_ step: String) throws {
            let listed = try i.words(id: id)
            let want = expected.keys.map { String(decoding: $0, as: UTF8.self) }.sorted(by: WordEntry.serviceOrder)
                .map { WordEntry(word: $0, translation: expected[Array($0.utf8)]!) }
            #expect(listed == want, "\(step)")
            #expect(try CustomModel.decodeFast(i.encodedModelBytes(id: id)).words == want, "\(step)")
        }
        func add(_ words: [String], _ step: String) throws {
            try i.addWords(id: id, words.map { WordEntry(word: $0, translation: "t\($0)") })
            for w in words { expected[Array(w.utf8)] = "t\(w)" }
            try check(step)
        }
        // In service order, batch after batch (the appending path), including precomposed/decomposed spellings.
        try add(["A", "B", "C"], "first batch")
        try add(["D", "caf\u{E9}", "cafe\u{301}"].sorted(by: WordEntry.serviceOrder), "second batch")
        try add(["x", "y"], "third batch")
        // Out of order, overwrites, duplicates inside a batch, deletes, then appending again.
        try add(["b", "a"], "unsorted batch")
        try add(["A", "zz"], "overwrite and append")
        try i.deleteWord(id: id, word: "C"); expected[Array("C".utf8)] = nil; try check("delete")
        try add(["zzz", "zzzz"], "append after delete")
        for n in 0..<20 {
            let batch = (0..<Int.random(in: 1...5, using: &rng)).map { _ in String(UnicodeScalar(UInt8.random(in: 65...122, using: &rng))) + String(n % 3) }
            try add(batch, "random \(n)")
        }
    }
}
