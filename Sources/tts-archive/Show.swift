import ArchiveCore
import ArgumentParser
import TTSAPI

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one snapshot: its record, its models, and optionally their words.",
        discussion: """
        Names, words, translations, notes and tags are printed with control characters escaped as in a Swift \
        literal (\\n, \\t, \\0, \\u{1B}; also C1, U+2028/9 and bidi overrides), so they cannot drive the \
        terminal or break lines; --json has the exact text. A --model or --language that selects no model of \
        the snapshot is an error (exit 2) that names the models or languages it has.

        EXAMPLES
          tts-archive show latest
          tts-archive show nightly-2026-11-20 --model "Medical terms" --words
          tts-archive show --at 2026-11-01 --json

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var which: SnapshotArgument
    @Option(help: FilterHelp.model) var model: [String] = []
    @Option(help: FilterHelp.language) var language: [String] = []
    @Flag(help: "List every word and translation.") var words = false
    @Flag(help: "Print JSON: the snapshot record and its models in get-model format.") var json = false

    struct JSONShape: Encodable {
        var snapshot: SnapshotRecord
        var models: [CustomModel]
    }

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            let reader = SnapshotReader(store)
            let id = try reader.resolve(try which.selector(defaultLatest: false))
            guard let record = try reader.snapshot(id) else { throw ValidationError("snapshot \(id) vanished") }
            let filter = ModelFilter(languages: language, models: model)
            try reader.check(filter, in: id)
            let models = try reader.models(in: id, filter: filter, includeWords: true)
            if json {
                var shaped = models
                if !words { for i in shaped.indices { shaped[i].words = nil } }
                return try Output.json(JSONShape(snapshot: record, models: shaped))
            }
            let e = TerminalText.escape
            print("snapshot \(record.id)  finished \(record.finishedAt)  \(record.sourceKind) \(e(record.source))\(record.scope.isEmpty ? "" : " [\(e(record.scope))]")")
            if !record.tags.isEmpty { print("tags:   \(record.tags.map(e).joined(separator: ", "))") }
            if let note = record.note { print("note:   \(e(note))") }
            print("models: \(record.models)  words: \(record.words)  prompts: \(record.prompts)  digest: \(record.digest)")
            print()
            Output.table(["CUSTOMIZATION ID", "LANGUAGE", "WORDS", "PROMPTS", "LAST MODIFIED", "NAME"],
                         models.map { [$0.customizationID, $0.language ?? "", String($0.words?.count ?? 0), String($0.prompts?.count ?? 0), $0.lastModified ?? "", $0.name ?? ""] },
                         numeric: [2, 3])
            if models.contains(where: { !($0.prompts ?? []).isEmpty }) {
                print("\nprompts are recorded as metadata only: the service never returns prompt audio, so they cannot be restored")
            }
            guard words else { return }
            for m in models {
                print("\n\(e(m.name ?? m.customizationID)) (\(e(m.language ?? "?")), \(e(m.customizationID)))")
                for w in m.words ?? [] {
                    print("  \(e(w.word))  →  \(e(w.translation))\(w.partOfSpeech.map { "  [\(e($0))]" } ?? "")")
                }
                for p in m.prompts ?? [] {
                    print("  prompt \(e(p.promptID)): \(TerminalText.quoted(p.prompt)) (\(e(p.status))\(p.speakerID.map { ", speaker \(e($0))" } ?? ""))")
                }
            }
        }
    }
}
