import ArchiveCore
import ArgumentParser
import Foundation

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "A word's versions over time, or a model's history snapshot by snapshot.",
        discussion: """
        With --word (or --like), every version of that word in every archived model (limit with --model and \
        --source): its translation and part of speech, the snapshot and time it first appeared, the snapshot and \
        time it was replaced or removed, and the model's name at the time. Words match byte for byte, as the \
        archive stores them; --ignore-case matches them case-folded, --like takes a SQL LIKE pattern (% for any \
        run of characters, _ for one; SQLite's LIKE ignores the case of ASCII letters).

        With --model alone, that model's history like `git log --stat`: the snapshots that added, changed \
        (renamed, re-described, words added, removed or changed) or removed it; --words lists each step's words.

        --since and --until (ISO 8601 times or dates, UTC unless an offset is given) keep what was valid in that \
        window. Snapshots removed by `forget` are skipped: a version is placed on the snapshots that remain.

        EXAMPLES
          tts-archive log --word IEEE
          tts-archive log --word ieee --ignore-case --json
          tts-archive log --like 'IEEE%' --model "Product names" --since 2026-11-01
          tts-archive log --model "Product names" --words

        EXIT STATUS
          0   success
          1   no version of the word was found (--word, --like), as grep
          2   an error (bad input, a --model or --source that matches nothing)
          3   the archive cannot be used (not one, corrupt, newer schema, read-only)
          64  invalid command line
        """
    )

    @OptionGroup var archiveOptions: ArchiveOptions
    @Option(help: ArgumentHelp("The word whose versions to list.", valueName: "word")) var word: String?
    @Option(help: ArgumentHelp("Words matching this SQL LIKE pattern instead of one word.", valueName: "pattern")) var like: String?
    @Flag(help: "Match --word ignoring case (Unicode case folding).") var ignoreCase = false
    @Option(help: "Only this model (customization id, or a name it had); repeatable.") var model: [String] = []
    @Option(help: ArgumentHelp("Only the lineage of this service URL or imported folder, as `snapshots` lists it; repeatable.", valueName: "url")) var source: [String] = []
    @Option(help: ArgumentHelp("Only what was valid at or after this time.", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Only what was valid at or before this time.", valueName: "time")) var until: String?
    @Flag(help: "With --model alone: list the words each step added, removed or changed.") var words = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if word != nil, like != nil { throw ValidationError("give --word or --like, not both") }
        if word == nil, like == nil, model.isEmpty { throw ValidationError("give --word WORD, --like PATTERN or --model MODEL") }
        if ignoreCase, word == nil { throw ValidationError("--ignore-case applies to --word") }
        if words, word != nil || like != nil { throw ValidationError("--words applies to a model's history (--model without --word)") }
    }

    func run() throws {
        try reportingErrors {
            let store = try archiveOptions.open(.read)
            let history = WordHistory(store)
            let scope = WordHistory.Scope(models: model, sources: source, since: try Self.time(since, start: true),
                                          until: try Self.time(until, start: false))
            if let word {
                try print(history.versions(of: ignoreCase ? .ignoringCase(word) : .exact(word), scope: scope))
            } else if let like {
                try print(history.versions(of: .like(like), scope: scope))
            } else {
                let histories = try history.modelHistories(scope: scope, words: words)
                if json { return try Output.json(histories) }
                print(histories)
            }
        }
    }

    /// A --since/--until value; a date alone means the start (--since) or the end (--until) of that day, UTC.
    static func time(_ text: String?, start: Bool) throws -> Date? {
        try WordHistory.bound(text, start: start)
    }

    private func print(_ versions: [WordHistory.Version]) throws {
        if json {
            try Output.json(versions)
        } else {
            var start = versions.startIndex
            while start < versions.endIndex {
                let first = versions[start]
                let end = versions[start...].firstIndex { $0.customizationID != first.customizationID || $0.source != first.source } ?? versions.endIndex
                if start > versions.startIndex { Swift.print() }
                Swift.print("\(TerminalText.escape(first.word)) in \(first.customizationID) (\(first.language ?? "?")) from \(first.source)")
                Output.table(["FROM", "FIRST SEEN (UTC)", "UNTIL", "ENDED (UTC)", "HOW", "TRANSLATION", "MODEL NAME"],
                             versions[start..<end].map { v in
                                 [String(v.firstSnapshot), String(v.firstSeenAt.prefix(19)), v.endSnapshot.map(String.init) ?? "-",
                                  v.endedAt.map { String($0.prefix(19)) } ?? "-", v.end.map(Self.how) ?? (v.endSnapshot == nil ? "current" : "-"),
                                  TerminalText.escape(v.translation) + (v.partOfSpeech.map { " [\(TerminalText.escape($0))]" } ?? ""),
                                  TerminalText.escape(v.modelName ?? "")]
                             }, numeric: [0, 2])
                start = end
            }
        }
        if versions.isEmpty {
            if !json { Output.stderr("no version of that word in the archive\(model.isEmpty && source.isEmpty ? "" : " (in the models and sources asked for)")") }
            throw ExitStatus.differences.exitCode
        }
    }

    static func how(_ end: WordHistory.Version.End) -> String {
        switch end {
        case .changed: "changed"
        case .removed: "removed"
        case .modelRemoved: "model removed"
        }
    }

    private func print(_ histories: [WordHistory.ModelHistory]) {
        for (n, h) in histories.enumerated() {
            if n > 0 { Swift.print() }
            Swift.print("model \(h.customizationID) from \(h.source)")
            for step in h.steps {
                let name = step.name.map { " " + TerminalText.quoted($0) } ?? ""
                Swift.print("  snapshot \(step.snapshot)  \(step.finishedAt.prefix(19))  \(step.kind.rawValue)\(name) (\(step.language ?? "?"))")
                for m in step.metadata {
                    Swift.print("      \(m.field): \((m.old.map(TerminalText.quoted) ?? "(none)")) -> \((m.new.map(TerminalText.quoted) ?? "(none)"))")
                }
                switch step.kind {
                case .added: Swift.print("      words: \(step.words)")
                case .removed: Swift.print("      model removed")
                case .changed:
                    if step.wordsAdded + step.wordsRemoved + step.wordsChanged > 0 {
                        Swift.print("      words: +\(step.wordsAdded) -\(step.wordsRemoved) ~\(step.wordsChanged) (now \(step.words))")
                    }
                }
                for c in step.changes ?? [] {
                    let old = c.old.map { TerminalText.escape($0.translation) } ?? "", new = c.new.map { TerminalText.escape($0.translation) } ?? ""
                    switch c.change {
                    case .added: Swift.print("      + \(TerminalText.escape(c.word))  \(new)")
                    case .removed: Swift.print("      - \(TerminalText.escape(c.word))  \(old)")
                    case .changed: Swift.print("      ~ \(TerminalText.escape(c.word))  \(old)  ->  \(new)")
                    }
                }
            }
        }
    }
}
