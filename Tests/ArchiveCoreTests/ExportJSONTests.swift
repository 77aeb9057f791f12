import Foundation
import TestSupport
import Testing
import TTSAPI
@testable import ArchiveCore

/// `export` writes get-model JSON by hand (``JSONWriter/prettyModel(_:words:)``); it must stay byte for byte what
/// JSONEncoder writes, the layout every earlier export has.
@Suite struct ExportJSONTests {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static let awkwardText = "a\"b\\c/d\u{1B}e\u{7}f\r\ng\u{0}h\u{7F}i\u{2028}j\t<phoneme alphabet=\"ipa\" ph=\"ˈaɪ\"></phoneme> 東京 é"

    @Test func theHandWrittenLayoutIsJSONEncoders() throws {
        var models = Fixtures.standardSource().current()
        // Every optional field absent, a prompt with every field, text that needs every kind of escape.
        models.append(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-00000000000f", words: [], prompts: nil))
        models.append(CustomModel(customizationID: "aaaaaaaa-0000-0000-0000-00000000000e", name: Self.awkwardText,
                                  language: "en-US", owner: "o", created: "c", lastModified: "l", description: Self.awkwardText,
                                  words: [WordEntry(word: "w/1", translation: Self.awkwardText, partOfSpeech: Self.awkwardText),
                                          WordEntry(word: "x", translation: "")],
                                  prompts: [Prompt(prompt: Self.awkwardText, promptID: "p", status: "failed", error: "e\n", speakerID: "s"),
                                            Prompt(prompt: "hi", promptID: "q", status: "available")]))
        for model in models {
            let expected = try Self.encoder().encode(model)
            let written = JSONWriter.prettyModel(model, words: PackedWords(model.words ?? []))
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self), "\(model.customizationID)")
        }
    }

    /// The streamed export (model by model from the archive) writes the same files as the export of the models
    /// read whole, for the newest snapshot and for an older one whose rows later snapshots replaced.
    @Test func theStreamedExportWritesWhatTheWholeReadWrites() async throws {
        let dir = try TempDir()
        let store = try ArchiveStore(path: dir.path("a.sqlite"), access: .write)
        let source = Fixtures.standardSource()
        let first = try await Snapshotter.run(store: store, source: source).snapshotID
        source.edit("aaaaaaaa-0000-0000-0000-000000000001") { m in m.words![3].translation = "night two"; m.words!.removeLast() }
        let second = try await Snapshotter.run(store: store, source: source).snapshotID
        for snapshot in [first, second] {
            let whole = try Interchange.export(try SnapshotReader(store).models(in: snapshot), to: dir.path("whole-\(snapshot)"))
            let streamed = try await Interchange.export(snapshot: snapshot, of: store, to: dir.path("streamed-\(snapshot)"))
            #expect(streamed.files.count == whole.count)
            #expect(streamed.words == (try SnapshotReader(store).models(in: snapshot)).reduce(0) { $0 + ($1.words?.count ?? 0) })
            for (a, b) in zip(whole.sorted(), streamed.files.sorted()) {
                #expect(try DamagedFiles.bytes(a) == DamagedFiles.bytes(b), "\(b)")
            }
        }
        let filtered = try await Interchange.export(snapshot: second, of: store, filter: ModelFilter(languages: ["ja-JP"]),
                                                    to: dir.path("ja"))
        #expect(filtered.files.count == 1)
    }
}
