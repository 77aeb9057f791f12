import ArchiveCore
import ArgumentParser
import Foundation

struct Diff: AsyncParsableCommand {
    /// How models of the two sides are paired: the core's two ways, or a synced target's pairing (its twins).
    enum Matching: String, CaseIterable, ExpressibleByArgument { case id, name, pairing }

    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two snapshots, or between a snapshot and the live service.",
        discussion: """
        FROM and TO are snapshot selectors (an id, latest, latest~N, a tag) or `live`, the current state of the \
        service instance (fetched, never recorded). --from-at/--to-at pick the last snapshot at or before a \
        time instead. With no sides, latest~1 is compared with latest; with one, it is compared with latest.

        Models are matched by customization id; --match-by name matches by name and language instead (to compare \
        a source with a restored copy, whose ids differ); --match-by pairing matches a target `sync` keeps in \
        step with its source models through the archive's pairing (prompts, never synced, are left out). Per \
        model: added (+), removed (-), changed (~) with \
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
          tts-archive diff latest live --service-name standby --match-by pairing
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
    @Option(name: .customLong("match-by"), help: "Match models by `id`, `name` (name and language) or `pairing` (a synced target's twins).")
    var matchBy: Matching = .id
    @Option(help: FilterHelp.model) var model: [String] = []
    @Option(help: FilterHelp.language) var language: [String] = []
    @Flag(help: "Counts per model instead of every word.") var stat = false
    @Flag(name: .customLong("name-only"), help: "Only the changed models: marker, id, name.") var nameOnly = false
    @Flag(help: "Print the documented JSON schema.") var json = false

    func validate() throws {
        if fromAt != nil, to != nil, from != nil { throw ValidationError("--from-at replaces FROM: give at most TO") }
        let positional = [from, to].compactMap { $0 }
        if positional.count + [fromAt, toAt].compactMap({ $0 }).count > 2 {
            throw ValidationError("too many sides: \(positional.joined(separator: " "))")
        }
        if positional == ["live", "live"] { throw ValidationError("compare live with a snapshot, not with itself") }
        if matchBy == .pairing, !positional.contains("live") {
            throw ValidationError("--match-by pairing compares a snapshot with live, a target `sync` keeps in step")
        }
        if [stat, nameOnly, json].filter({ $0 }).count > 1 { throw ValidationError("choose one of --stat, --name-only, --json") }
    }

    func run() async throws {
        try await reportingErrors {
            let plan = try plan()
            let x: Int64
            switch (plan.a, plan.b) {
            case let (.snapshot(a), .snapshot(b)):
                return try finish(try plan.engine.between(a, b, filter: plan.filter, matchBy: plan.match,
                                                          detail: stat || nameOnly ? .counts : .words))
            case let (.snapshot(s), .live), let (.live, .snapshot(s)): x = s
            case (.live, .live): throw ValidationError("compare live with a snapshot, not with itself")  // validate() refuses it
            }
            let (live, url, pairing) = try await service.withClient { client in
                // --match-by pairing: the target's twins stand for their source models (see `sync`).
                let pairing = matchBy == .pairing ? try SyncPairing.load(target: client.serviceURL, in: plan.store) : nil
                if matchBy == .pairing, pairing == nil { throw SyncError.notPaired(target: client.serviceURL) }
                let source = ServiceModelSource(client: client)
                if !plan.filter.isEmpty { try plan.engine.check(plan.filter, snapshot: x, orService: try await source.listModels()) }
                return (try await LiveState.fetch(from: source, filter: plan.filter, concurrency: service.concurrency), client.serviceURL, pairing)
            }
            let snapshotFirst: Bool = if case .snapshot = plan.a { true } else { false }
            if let pairing {
                return try finish(try plan.engine.against(x, live: live, pairing: pairing, liveLabel: "live \(url)",
                                                          snapshotFirst: snapshotFirst, filter: plan.filter))
            }
            try finish(try plan.engine.against(x, live: live, liveLabel: "live \(url)", snapshotFirst: snapshotFirst,
                                               filter: plan.filter, matchBy: plan.match))
        }
    }

    /// One side of the comparison.
    enum Side { case snapshot(Int64), live }

    /// The sides resolved against the archive, with what both kinds of comparison need.
    struct Plan {
        var a: Side, b: Side
        var engine: SnapshotDiff
        var store: ArchiveStore
        var filter: ModelFilter
        var match: ContentDiff.MatchBy
    }

    func plan() throws -> Plan {
        // Positional sides shift when --from-at/--to-at stand in for them (validate() allows two sides in all).
        var positional = [from, to].compactMap { $0 }
        let fromSpec: String? = fromAt == nil ? (positional.isEmpty ? nil : positional.removeFirst()) : nil
        let toSpec: String? = toAt == nil ? (positional.isEmpty ? nil : positional.removeFirst()) : nil

        let store = try archiveOptions.open(.read)
        let reader = SnapshotReader(store)
        func resolve(_ spec: String?, at: String?, fallback: SnapshotSelector) throws -> Side {
            if let at { return .snapshot(try reader.resolve(SnapshotSelector.at(at))) }
            if spec == "live" { return .live }
            return .snapshot(try reader.resolve(try spec.map(SnapshotSelector.parse) ?? fallback))
        }
        let noSides = from == nil && to == nil && fromAt == nil && toAt == nil
        return Plan(a: try resolve(fromSpec, at: fromAt, fallback: noSides ? .latest(back: 1) : .latest(back: 0)),
                    b: try resolve(toSpec, at: toAt, fallback: .latest(back: 0)),
                    engine: SnapshotDiff(store),
                    store: store,
                    filter: ModelFilter(languages: language, models: model),
                    match: matchBy == .name ? .name : .id)
    }

    /// Prints the result in the chosen format; differences end with status 1, as diff(1) does.
    func finish(_ result: ArchiveDiff) throws {
        let format = DiffFormat(colour: Output.isTerminal && Output.environment("NO_COLOR") == nil)
        if json {
            Output.lines { result.writeJSON(to: $0) }
        } else if nameOnly {
            if !result.models.isEmpty { print(format.nameOnly(result)) }
        } else if stat {
            print("diff \(result.from) -> \(result.to) (models matched by \(result.matchBy))")
            if !result.models.isEmpty {
                Output.table(["CHANGE", "CUSTOMIZATION ID", "LANGUAGE", "+WORDS", "-WORDS", "~WORDS", "METADATA", "NAME"],
                             format.stat(result), numeric: [3, 4, 5])
            }
            print(format.summary(result.summary))
        } else {
            Output.lines { format.writeText(result, to: $0) }
        }
        if !result.summary.isEmpty { throw ExitStatus.differences.exitCode }
    }
}
