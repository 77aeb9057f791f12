import ArchiveCore
import ArgumentParser

/// `SNAPSHOT` (id, latest, latest~N, tag) or `--at TIME`, for commands that take one snapshot.
struct SnapshotArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("Snapshot: an id, latest, latest~N or a tag.", valueName: "snapshot"))
    var snapshot: String?

    @Option(help: ArgumentHelp("Instead of SNAPSHOT: the last snapshot at or before this ISO 8601 time or date (UTC unless an offset is given).", valueName: "time"))
    var at: String?

    func validate() throws {
        if snapshot != nil, at != nil { throw ValidationError("give either SNAPSHOT or --at, not both") }
    }

    /// The selector; `latest` when neither is given and `defaultLatest` is set.
    func selector(defaultLatest: Bool = false) throws -> SnapshotSelector {
        if let at { return try SnapshotSelector.at(at) }
        if let snapshot { return try SnapshotSelector.parse(snapshot) }
        if defaultLatest { return .latest(back: 0) }
        throw ValidationError("name a snapshot (an id, latest, latest~N, a tag) or give --at TIME")
    }
}
