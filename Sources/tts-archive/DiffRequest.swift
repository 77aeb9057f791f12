import ArchiveCore
import ArgumentParser
import Foundation

/// What `diff` was asked to do, whichever parser read the command line: argument-parser (`Diff`) or, for a
/// diff of two snapshots, the quick parser (`DiffRequest.quick`).
struct DiffRequest: Equatable {
    var archive: String?
    var from: String?, to: String?
    var fromAt: String?, toAt: String?
    var matchBy = "id"
    var models: [String] = []
    var languages: [String] = []
    var stat = false, nameOnly = false, json = false

    func validate() throws {
        if fromAt != nil, to != nil, from != nil { throw ValidationError("--from-at replaces FROM: give at most TO") }
        let positional = [from, to].compactMap { $0 }
        if positional.count + [fromAt, toAt].compactMap({ $0 }).count > 2 {
            throw ValidationError("too many sides: \(positional.joined(separator: " "))")
        }
        if positional == ["live", "live"] { throw ValidationError("compare live with a snapshot, not with itself") }
        guard ["id", "name"].contains(matchBy) else { throw ValidationError("--match-by takes id or name") }
        if [stat, nameOnly, json].filter({ $0 }).count > 1 { throw ValidationError("choose one of --stat, --name-only, --json") }
    }

    /// One side of the comparison.
    enum Side { case snapshot(Int64), live }

    /// The sides resolved against the archive, with what both kinds of comparison need.
    struct Plan {
        var a: Side, b: Side
        var engine: SnapshotDiff
        var filter: ModelFilter
        var match: ContentDiff.MatchBy
    }

    func plan() throws -> Plan {
        // Positional sides shift when --from-at/--to-at stand in for them (validate() allows two sides in all).
        var positional = [from, to].compactMap { $0 }
        let fromSpec: String? = fromAt == nil ? (positional.isEmpty ? nil : positional.removeFirst()) : nil
        let toSpec: String? = toAt == nil ? (positional.isEmpty ? nil : positional.removeFirst()) : nil

        let store = try ArchiveOptions.open(flag: archive, .read)
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
                    filter: ModelFilter(languages: languages, models: models),
                    match: matchBy == "name" ? .name : .id)
    }

    /// Compares two snapshots on this thread, errors reported; false, having printed nothing, when a side is `live`.
    func runLocally() throws -> Bool {
        try reportingErrors { try compareSnapshots(try plan()) }
    }

    /// Compares and prints two snapshots; false, having printed nothing, when a side is `live`.
    func compareSnapshots(_ plan: Plan) throws -> Bool {
        guard case let (.snapshot(x), .snapshot(y)) = (plan.a, plan.b) else { return false }
        finish(try plan.engine.between(x, y, filter: plan.filter, matchBy: plan.match, detail: stat || nameOnly ? .counts : .words))
        return true
    }

    /// Prints the result in the chosen format; differences end the process with status 1, as diff(1) does.
    func finish(_ result: ArchiveDiff) {
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
        // Right here rather than by throwing: unwinding would free the result (a String or two per changed
        // word) and close the archive, about 4 ms of a 100 ms long-range diff that nobody waits for.
        if !result.summary.isEmpty { Foundation.exit(ExitStatus.differences.rawValue) }
    }
}
