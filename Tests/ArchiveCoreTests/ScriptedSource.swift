import ArchiveCore
import Foundation
import TTSAPI

/// An in-memory service for archive-core tests: models can be edited between calls, and hooks let a test
/// change the service in the middle of a snapshot run (between list and get) or make calls fail.
final class ScriptedSource: ModelSource, @unchecked Sendable {
    private let lock = NSLock()
    private var models: [String: CustomModel] = [:]
    private var order: [String] = []
    private var clock = 0
    var onGet: ((String) -> Void)?
    var failGet: Set<String> = []
    var refuseGet: Set<String> = []  // answer as for a deleted model (401)
    /// Alters a get-model answer as a hostile or broken service might (another id, no words).
    var tamper: ((inout CustomModel) -> Void)?
    private(set) var listCalls = 0
    private(set) var getCalls = 0

    let sourceDescription = SourceDescription(kind: .service, url: "http://127.0.0.1:1/instances/test")

    func put(_ m: CustomModel) {
        lock.withLock {
            var m = m
            clock += 1
            m.lastModified = String(format: "2026-01-01T00:00:%02d.%03dZ", clock / 1000 % 60, clock % 1000)
            if m.created == nil { m.created = "2026-01-01T00:00:00.000Z" }
            m.owner = "owner-guid"
            if models[m.customizationID] == nil { order.append(m.customizationID) }
            models[m.customizationID] = m
        }
    }

    func edit(_ id: String, _ change: (inout CustomModel) -> Void) {
        var m = lock.withLock { models[id]! }
        change(&m)
        put(m)
    }

    func delete(_ id: String) {
        lock.withLock {
            models[id] = nil
            order.removeAll { $0 == id }
        }
    }

    func listModels() async throws -> [CustomModel] {
        lock.withLock {
            listCalls += 1
            return order.map { var m = models[$0]!; m.words = nil; m.prompts = nil; return m }
        }
    }

    struct Failure: Error {}

    func getModel(id: String) async throws -> CustomModel {
        onGet?(id)
        return try lock.withLock {
            getCalls += 1
            if failGet.contains(id) { throw Failure() }
            guard !refuseGet.contains(id), let m = models[id] else { throw ModelSourceError.modelGone(id: id) }
            var copy = m
            copy.words = (m.words ?? []).sorted { WordEntry.serviceOrder($0.word, $1.word) }
            copy.prompts = m.prompts ?? []
            tamper?(&copy)
            return copy
        }
    }

    /// The models as get-model would return them, for comparison with what the archive gives back.
    func current() -> [CustomModel] {
        lock.withLock {
            order.sorted { WordEntry.serviceOrder($0, $1) }.map { id in
                var m = models[id]!
                m.words = (m.words ?? []).sorted { WordEntry.serviceOrder($0.word, $1.word) }
                m.prompts = (m.prompts ?? []).sorted { WordEntry.serviceOrder($0.promptID, $1.promptID) }
                return m
            }
        }
    }
}

enum Fixtures {
    static func words(_ n: Int, prefix: String = "w") -> [WordEntry] {
        (0..<n).map { WordEntry(word: "\(prefix)\($0)", translation: "translation \($0)") }
    }

    static let awkward: [WordEntry] = [
        WordEntry(word: "TCP/IP", translation: "T C P I P"),
        WordEntry(word: "50%", translation: "fifty percent"),
        WordEntry(word: "what?", translation: "what"),
        WordEntry(word: "#tag", translation: "hashtag"),
        WordEntry(word: "a&b", translation: "a and b"),
        WordEntry(word: "caf\u{E9}", translation: "precomposed"),
        WordEntry(word: "cafe\u{301}", translation: "decomposed"),
        WordEntry(word: "😀", translation: "smile"),
        WordEntry(word: "IEEE", translation: "<phoneme alphabet=\"ipa\" ph=\"aɪ.tɹˈɨpəl.ˈi\"></phoneme>"),
        WordEntry(word: "iPhone", translation: "<phoneme alphabet='ibm' ph='.1Y.0fon'></phoneme>"),
    ]

    static let japanese: [WordEntry] = [
        WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi"),
        WordEntry(word: "ＮＹＣ", translation: "ニューヨークシティ", partOfSpeech: "Koyu"),
        WordEntry(word: "東京", translation: "トウキョウ"),
    ]

    /// `models` models "cccccccc-...-00000000000N" of `words` generated words each, above the parallel thresholds;
    /// model 1 also has the awkward words, model 2 is Japanese with parts of speech.
    static func largeSource(models: Int, words n: Int) -> ScriptedSource {
        let source = ScriptedSource()
        for i in 1...models {
            source.put(CustomModel(customizationID: "cccccccc-0000-0000-0000-00000000000\(i)", name: "Model \(i)",
                                   language: i == 2 ? "ja-JP" : "en-US",
                                   words: words(n, prefix: "m\(i)-") + (i == 1 ? awkward : i == 2 ? japanese : [])))
        }
        return source
    }

    static func standardSource() -> ScriptedSource {
        let source = ScriptedSource()
        source.put(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000001", name: "General", language: "en-US",
                               description: "Acronyms", words: words(50) + awkward))
        source.put(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000002", name: "日本語", language: "ja-JP",
                               description: nil, words: japanese,
                               prompts: [Prompt(prompt: "Hello", promptID: "greeting", status: "available", speakerID: "spk-1")]))
        source.put(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-000000000003", name: "Empty", language: "de-DE",
                               description: "", words: []))
        return source
    }
}
