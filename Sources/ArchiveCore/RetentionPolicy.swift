import Foundation

/// Which snapshots `forget` keeps, in restic's terms. Applied to each source lineage on its own; a snapshot is
/// kept when any rule keeps it, and the reasons are reported.
public struct RetentionPolicy: Sendable, Equatable {
    public var last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0
    /// Keep everything finished within this many seconds of the lineage's newest snapshot.
    public var within: TimeInterval?
    public var tags: [String] = []

    public init() {}

    public var isEmpty: Bool {
        last + hourly + daily + weekly + monthly + yearly == 0 && within == nil && tags.isEmpty
    }

    /// Parses restic-style durations: `7d`, `2w`, `1y6m`, `36h` (y = 365 days, m = 30 days).
    public static func parseDuration(_ text: String) throws -> TimeInterval {
        var total: TimeInterval = 0
        var number = ""
        var sawUnit = false
        for c in text {
            if c.isNumber { number.append(c); continue }
            guard let n = Double(number) else { throw RetentionError.badDuration(text) }
            switch c {
            case "y": total += n * 365 * 86_400
            case "m": total += n * 30 * 86_400
            case "w": total += n * 7 * 86_400
            case "d": total += n * 86_400
            case "h": total += n * 3_600
            default: throw RetentionError.badDuration(text)
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { throw RetentionError.badDuration(text) }
        return total
    }

    public struct Decision: Sendable, Equatable, Codable {
        public var snapshot: Int64
        public var finishedAt: String
        public var keep: Bool
        public var reasons: [String]
    }

    /// Decides for one lineage; `snapshots` in any order.
    public func decide(_ snapshots: [(id: Int64, finishedAt: String, tags: [String])]) -> [Decision] {
        let newestFirst = snapshots.sorted { ($0.finishedAt, $0.id) > ($1.finishedAt, $1.id) }
        var reasons: [Int64: [String]] = [:]
        for (i, s) in newestFirst.enumerated() where i < last { reasons[s.id, default: []].append("last \(last)") }
        let buckets: [(Int, String, (Date) -> String)] = [
            (hourly, "hourly", { Self.format($0, "yyyy-MM-dd HH") }),
            (daily, "daily", { Self.format($0, "yyyy-MM-dd") }),
            (weekly, "weekly", { Self.format($0, "YYYY-'W'ww") }),
            (monthly, "monthly", { Self.format($0, "yyyy-MM") }),
            (yearly, "yearly", { Self.format($0, "yyyy") }),
        ]
        for (count, name, bucket) in buckets where count > 0 {
            var seen: Set<String> = []
            for s in newestFirst {
                guard seen.count < count, let date = SnapshotSelector.parseTime(s.finishedAt) else { continue }
                let key = bucket(date)
                if seen.insert(key).inserted { reasons[s.id, default: []].append("\(name) \(key)") }
            }
        }
        if let within, let newest = newestFirst.first.flatMap({ SnapshotSelector.parseTime($0.finishedAt) }) {
            for s in newestFirst {
                if let d = SnapshotSelector.parseTime(s.finishedAt), newest.timeIntervalSince(d) <= within {
                    reasons[s.id, default: []].append("within")
                }
            }
        }
        for s in newestFirst {
            for t in tags where s.tags.contains(t) { reasons[s.id, default: []].append("tag \(t)") }
        }
        return newestFirst.map { Decision(snapshot: $0.id, finishedAt: $0.finishedAt, keep: reasons[$0.id] != nil, reasons: reasons[$0.id] ?? []) }
    }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.calendar = Calendar(identifier: .iso8601)
        f.dateFormat = pattern
        return f.string(from: date)
    }
}

public enum RetentionError: Error, Equatable, CustomStringConvertible {

    case badDuration(String)
    case noPolicy
    /// A keep-tag rule names a tag no snapshot has: most likely a typo, and a rule that keeps nothing.
    case unknownTag(String, existing: [String])
    /// The rules keep no snapshot of this lineage (identified by its source URL or folder).
    case wouldForgetLineage(source: String, snapshots: Int)
    /// A snapshot named to be forgotten is the one these sync targets last equalled: their next sync diffs from it.
    case lastSynced(snapshot: Int64, targets: [String])

    public var description: String {
        switch self {
        case .badDuration(let t): "cannot read duration '\(t)' (use e.g. 7d, 2w, 36h, 1y6m)"
        case .noPolicy: "no retention rule given; refusing to forget every snapshot"
        case .unknownTag(let tag, let existing):
            "no snapshot has the tag \(tag.debugDescription), a keep rule that keeps nothing; "
                + (existing.isEmpty ? "no snapshot has any tag" : "did you mean " + ModelFilter.list(existing) + "?")
                + " nothing was changed"
        case .wouldForgetLineage(let source, let n):
            "the rules keep none of the \(n) snapshot\(n == 1 ? "" : "s") of \(source); nothing was changed"
        case .lastSynced(let snapshot, let targets):
            "snapshot \(snapshot) is the one the sync target\(targets.count == 1 ? "" : "s") \(targets.joined(separator: ", ")) last "
                + "equalled (\(targets.count == 1 ? "its" : "their") next sync diffs from it); nothing was changed"
        }
    }
}
