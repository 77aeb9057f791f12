import ArchiveCore
import ArgumentParser
import Foundation

struct Diff: LocalCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two snapshots, or between a snapshot and the live service.",
        discussion: """
        FROM and TO are snapshot selectors (an id, latest, latest~N, a tag) or `live`, the current state of the \
        service instance (fetched, never recorded). --from-at/--to-at pick the last snapshot at or before a \
        time instead. With no sides, latest~1 is compared with latest; with one, it is compared with latest.

        Models are matched by customization id; --match-by name matches by name and language instead (to compare \
        a source with a restored copy, whose ids differ). Per model: added (+), removed (-), changed (~) with \
        name/description changes; per word: added, removed, translation or part of speech changed, old -> new. \
        Within one source the cost follows the amount of change, not the size of the archive. Control \
        characters in names, words and translations are shown escaped (\\n, \\u{1B}, ...; see `show --help`); \
        --json has the exact text. Each --model and --language value must select a model of either side \
        (exit 2 otherwise, naming what exists).

        JSON (--json): {"from", "to", "match_by", "summary": {"models_added", "models_removed", "models_changed", \
        "words_added", "words_removed", "words_changed"}, "models": [{"change": "added|removed|changed", \
        "from_customization_id", "to_customization_id", "name", "language", "metadata": [{"field", "old", \
        "new"}], "words": [{"change", "word", "old": {"translation", "part_of_speech"}, "new": {...}}], \
        "prompts": [{"change", "prompt_id", "old", "new"}]}]}. Absent values are null or omitted.

        EXAMPLES
          tts-archive diff                               # last night's changes
          tts-archive diff latest live                   # drift since the last snapshot
          tts-archive diff --from-at 2026-11-14 latest --model "Medical terms"
          tts-archive diff before-migration latest --stat
          tts-archive diff latest live --service-name restore_target --match-by name
          tts-archive diff latest~1 latest --json | jq '.summary.words_removed'

        \(ServiceOptions.credentialsHelp)

        EXIT STATUS
          0   no differences
          1   differences found
          2   an error (bad selector, service error, I/O error)
          3   the archive cannot be used
          5   the service refused the credentials
          64  invalid command line
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var service: ServiceOptions
    @Argument(help: ArgumentHelp("Older side: a snapshot selector or `live`.", valueName: "from")) var from: String?
    @Argument(help: ArgumentHelp("Newer side: a snapshot selector or `live`.", valueName: "to")) var to: String?
    @Option(name: .customLong("from-at"), help: ArgumentHelp("FROM is the last snapshot at or before this time.", valueName: "time")) var fromAt: String?
    @Option(name: .customLong("to-at"), help: ArgumentHelp("TO is the last snapshot at or before this time.", valueName: "time")) var toAt: String?
    @Option(name: .customLong("match-by"), help: "Match models by `id` (default) or `name` (name and language).") var matchBy: String = "id"
    @Option(help: FilterHelp.model) var model: [String] = []
    @Option(help: FilterHelp.language) var language: [String] = []
    @Flag(help: "Counts per model instead of every word.") var stat = false
    @Flag(name: .customLong("name-only"), help: "Only the changed models: marker, id, name.") var nameOnly = false
    @Flag(help: "Print the documented JSON schema.") var json = false

    /// What was asked, for the code shared with the quick parser.
    var request: DiffRequest {
        DiffRequest(archive: archiveOptions.archive, from: from, to: to, fromAt: fromAt, toAt: toAt, matchBy: matchBy,
                    models: model, languages: language, stat: stat, nameOnly: nameOnly, json: json)
    }

    func validate() throws { try request.validate() }

    /// Two snapshots are compared here, on the main thread; a `live` side is left to `run()`.
    func runLocally() throws -> Bool { try request.runLocally() }

    func run() async throws {
        let request = request
        try await reportingErrors {
            let plan = try request.plan()
            if try request.compareSnapshots(plan) { return }
            let x: Int64
            switch (plan.a, plan.b) {
            case let (.snapshot(s), .live), let (.live, .snapshot(s)): x = s
            default: throw ValidationError("compare live with a snapshot, not with itself")  // validate() refuses it
            }
            let (live, url) = try await service.withClient { client in
                let source = ServiceModelSource(client: client)
                if !plan.filter.isEmpty { try plan.engine.check(plan.filter, snapshot: x, orService: try await source.listModels()) }
                return (try await LiveState.fetch(from: source, filter: plan.filter, concurrency: service.concurrency), client.serviceURL)
            }
            let snapshotFirst: Bool = if case .snapshot = plan.a { true } else { false }
            request.finish(try plan.engine.against(x, live: live, liveLabel: "live \(url)", snapshotFirst: snapshotFirst,
                                                       filter: plan.filter, matchBy: plan.match))
        }
    }
}
