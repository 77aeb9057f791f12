@testable import ArchiveCore
import Foundation
import Testing
import TTSAPI
@testable import tts_archive

/// The text output of a large diff is rendered in pieces on several threads, a large model's words cut across
/// pieces: it must still be every model's lines, once, in order.
@Suite struct DiffTextTests {
    static func words(_ n: Int, _ change: ChangeKind) -> WordChanges {
        WordChanges((0..<n).map { i in
            let t = Translation(translation: "t\(i)")
            return WordChange(change: change, word: String(format: "w%05d", i), old: change == .added ? nil : t, new: change == .removed ? nil : t)
        })
    }

    @Test func aLargeDiffIsEveryModelsLinesInOrder() throws {
        let models = [
            ModelDiff(change: .added, fromCustomizationID: nil, toCustomizationID: "a", name: "A", language: "en-US",
                      metadata: [], words: Self.words(12_000, .added), prompts: []),
            ModelDiff(change: .changed, fromCustomizationID: "b", toCustomizationID: "b", name: "B", language: "en-US",
                      metadata: [FieldChange(field: "description", old: "x", new: "y")], words: [], prompts: []),
            ModelDiff(change: .removed, fromCustomizationID: "c", toCustomizationID: nil, name: "C", language: "ja-JP",
                      metadata: [], words: Self.words(9_000, .removed),
                      prompts: [PromptChange(change: .removed, promptID: "p", old: Prompt(prompt: "hi", promptID: "p", status: "available"), new: nil)]),
        ]
        let d = ArchiveDiff(from: "snapshot 1", to: "snapshot 2", matchBy: "id", models: models)
        #expect(d.summary.total > DiffPieces.parallelWords)
        #expect(DiffPieces.pieces(d.models).contains { $0.contains { !$0.opens } })
        let format = DiffFormat(colour: false)
        let lines = format.text(d).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        var expected = ["diff snapshot 1 -> snapshot 2 (models matched by id)"]
        for m in d.models {
            expected.append(format.modelTitle(m) + (m.change == .changed ? "" : " (\(m.words.count) words)"))
            expected += m.metadata.map { "    ~ \($0.field): \"\($0.old!)\" -> \"\($0.new!)\"" }
            let marker = m.change == .added ? "+" : "-"
            expected += (0..<m.words.count).map { String(format: "    \(marker) w%05d  t\($0)", $0) }
            expected += m.prompts.map { _ in "    - prompt p: \"hi\" -> \"\" (metadata only)" }
        }
        expected.append(format.summary(d.summary))
        #expect(lines.count == expected.count)
        let first = zip(lines, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(first == nil, "line \(first?.offset ?? 0): \(first?.element.0 ?? "") instead of \(first?.element.1 ?? "")")
    }
}
