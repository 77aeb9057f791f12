import Basics
import Foundation
import SQLiteDB

/// How a command names a snapshot: an id, `latest`, `latest~N`, a tag, or a point in time (`--at`).
public enum SnapshotSelector: Sendable, Equatable, CustomStringConvertible {
    case id(Int64)
    /// `latest~N`: N snapshots before the newest (0 = newest).
    case latest(back: Int)
    case tag(String)
    /// The last snapshot finished at or before this instant.
    case at(Date, text: String)

    /// Parses the positional form (`42`, `latest`, `latest~2`, a tag). Times come through ``at(_:)``.
    public static func parse(_ text: String) throws -> SnapshotSelector {
        let t = trimmed(text)
        if t.isEmpty { throw SelectorError.malformed(text, "an empty snapshot selector") }
        if let n = Int64(t) {
            guard n > 0 else { throw SelectorError.malformed(text, "snapshot ids start at 1") }
            return .id(n)
        }
        if t == "latest" { return .latest(back: 0) }
        if t.hasPrefix("latest~") {
            guard let n = Int(t.dropFirst(7)), n >= 0 else { throw SelectorError.malformed(text, "expected latest~N with N a whole number") }
            return .latest(back: n)
        }
        try validateTag(t)
        return .tag(t)
    }

    /// `--at TIME`: an ISO 8601 instant (`2026-11-20T03:00:00Z`, offsets and fractions allowed, no zone = UTC)
    /// or a date (`2026-11-20`, meaning the end of that day, UTC).
    public static func at(_ text: String) throws -> SnapshotSelector {
        guard let date = parseTime(text) else {
            throw SelectorError.malformed(text, "not an ISO 8601 time or date (e.g. 2026-11-20 or 2026-11-20T03:00:00Z)")
        }
        return .at(date, text: text)
    }

    /// Without spaces and tabs at either end. Plain Swift: Foundation's character sets cost a millisecond to set
    /// up, in every command that takes a selector.
    static func trimmed(_ text: String) -> String {
        func blank(_ c: Character) -> Bool { c.isWhitespace && !c.isNewline }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return String(text[first...last])
    }

    static func parseTime(_ text: String) -> Date? {
        let t = trimmed(text)
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = full.date(from: t) { return d }
        full.formatOptions = [.withInternetDateTime]
        if let d = full.date(from: t) { return d }
        // No zone: UTC.
        for suffix in ["Z", ":00Z"] {
            full.formatOptions = [.withInternetDateTime]
            if let d = full.date(from: t + suffix) { return d }
            full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let d = full.date(from: t + suffix) { return d }
        }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if t.count == 10, let d = day.date(from: t) { return d.addingTimeInterval(86_400 - 0.001) }
        return nil
    }

    /// Tags must not be mistaken for the other selector forms.
    public static func validateTag(_ tag: String) throws {
        if tag.isEmpty || Int64(tag) != nil || tag == "latest" || tag.hasPrefix("latest~") || tag == "live"
            || tag.contains(where: { $0.isWhitespace || $0 == "," }) {
            throw SelectorError.malformed(tag, "a tag must not be empty, a number, 'latest', 'live', or contain spaces or commas")
        }
    }

    public var description: String {
        switch self {
        case .id(let n): "\(n)"
        case .latest(let back): back == 0 ? "latest" : "latest~\(back)"
        case .tag(let t): t
        case .at(_, let text): "--at \(text)"
        }
    }
}

public enum SelectorError: Error, Equatable, CustomStringConvertible {
    case malformed(String, String)
    case notFound(String, available: String)
    case ambiguous(String, matches: [Int64])
    case empty

    public var description: String {
        switch self {
        case .malformed(let text, let why): "cannot read snapshot selector '\(text)': \(why)"
        case .notFound(let what, let available): "no snapshot \(what); \(available)"
        case .ambiguous(let tag, let ids): "tag '\(tag)' names \(ids.count) snapshots (\(ids.map(String.init).joined(separator: ", "))); pick one by id"
        case .empty: "the archive has no snapshots yet"
        }
    }
}

extension SnapshotReader {
    /// Resolves a selector to a snapshot id, or says precisely what exists.
    public func resolve(_ selector: SnapshotSelector) throws -> Int64 {
        let ids = try db.query("SELECT id FROM snapshots ORDER BY id") { $0.int64(0) }
        guard let first = ids.first, let last = ids.last else { throw SelectorError.empty }
        let range = ids.count == 1 ? "the only snapshot is \(first)" : "snapshots are \(first)…\(last) (\(ids.count) in all)"
        switch selector {
        case .id(let n):
            guard ids.contains(n) else { throw SelectorError.notFound("\(n)", available: range) }
            return n
        case .latest(let back):
            guard back < ids.count else { throw SelectorError.notFound("latest~\(back)", available: "there are only \(ids.count)") }
            return ids[ids.count - 1 - back]
        case .tag(let tag):
            let matches = try db.query("SELECT snapshot FROM snapshot_tags WHERE tag = ? ORDER BY snapshot", tag) { $0.int64(0) }
            if matches.count > 1 { throw SelectorError.ambiguous(tag, matches: matches) }
            guard let id = matches.first else {
                let tags = try db.query("SELECT DISTINCT tag FROM snapshot_tags ORDER BY tag LIMIT 20") { $0.text(0) ?? "" }
                throw SelectorError.notFound("tagged '\(tag)'", available: tags.isEmpty ? "no snapshot has a tag" : "tags are: \(tags.joined(separator: ", "))")
            }
            return id
        case .at(let date, let text):
            let stamp = Timestamp.string(from: date)
            if let id = try db.query("SELECT id FROM snapshots WHERE finished_at <= ? ORDER BY finished_at DESC, id DESC LIMIT 1", stamp, map: { $0.int64(0) }).first {
                return id
            }
            let firstAt: String = try db.scalar("SELECT min(finished_at) FROM snapshots")
            throw SelectorError.notFound("at or before \(text)", available: "the first snapshot finished at \(firstAt)")
        }
    }
}
