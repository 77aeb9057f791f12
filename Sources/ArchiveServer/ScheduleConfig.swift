import ArchiveCore
import Cron
import Foundation

/// A source's schedule (config keys `schedule`, `timezone`, `drill`, `keep` of a source, or `serve --schedule`):
/// snapshots at the cron expression's firings, then the retention rules, then a drill.
public struct SourceSchedule: Sendable, Equatable {
    public var cron: CronSchedule
    /// The time zone as configured (Foundation may name UTC `GMT`).
    public var timeZoneName: String
    public var drill: Bool
    /// The CLI's `--keep-*` rules, applied to this source's snapshots after each scheduled snapshot.
    public var keep: RetentionPolicy?

    public init(cron: CronSchedule, timeZoneName: String? = nil, drill: Bool = false, keep: RetentionPolicy? = nil) {
        self.cron = cron
        self.timeZoneName = timeZoneName ?? cron.timeZone.identifier
        self.drill = drill
        self.keep = keep
    }

    /// `expression` in `zone` (an IANA name, default UTC); errors name what is wrong with either.
    public static func make(_ expression: String, timeZone zone: String?, drill: Bool = false, keep: RetentionPolicy? = nil)
        throws -> SourceSchedule {
        let name = zone ?? "UTC"
        guard let tz = TimeZone(identifier: name) else {
            throw ScheduleConfigError("unknown time zone '\(name)' (an IANA name such as UTC or Europe/Paris)")
        }
        do {
            return SourceSchedule(cron: try CronSchedule(expression, timeZone: tz), timeZoneName: name, drill: drill, keep: keep?.isEmpty == false ? keep : nil)
        } catch {
            throw ScheduleConfigError(error.description)
        }
    }
}

/// Server-wide scheduler settings (config key `scheduler`).
public struct SchedulerSettings: Sendable, Equatable {
    /// Each firing waits a random delay in [0, jitter] seconds, so many sources do not hit the service at once.
    public var jitter: TimeInterval = 0
    /// At most this many scheduled runs at once (a run is its snapshot, retention and drill).
    public var maxConcurrent = 2
    /// At start-up, a source whose newest snapshot is older than its schedule's expected interval runs once.
    public var catchUp = true
    public init(jitter: TimeInterval = 0, maxConcurrent: Int = 2, catchUp: Bool = true) {
        self.jitter = jitter
        self.maxConcurrent = maxConcurrent
        self.catchUp = catchUp
    }
}

/// Where scheduled runs are reported (config key `notify`): a webhook (POST, JSON) and/or a command.
public struct NotificationSettings: Sendable, Equatable {
    public enum When: String, Sendable { case failure, always }
    public var webhook: URL?
    /// Program and arguments; the JSON document goes to its standard input and `TTS_ARCHIVE_*` variables.
    public var command: [String]?
    public var on: When = .failure
    /// Seconds each webhook attempt (and the command) may take.
    public var timeout: TimeInterval = 10
    /// Webhook attempts after the first, with exponential backoff (1 s, 2 s, 4 s, ...).
    public var retries = 3
    public init(webhook: URL? = nil, command: [String]? = nil, on: When = .failure, timeout: TimeInterval = 10, retries: Int = 3) {
        self.webhook = webhook
        self.command = command
        self.on = on
        self.timeout = timeout
        self.retries = retries
    }
    public var isEmpty: Bool { webhook == nil && command == nil }
}

struct ScheduleConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Parsing of the schedule keys of a config file (see ``ServerConfig``).
enum ScheduleConfigParser {
    static let sourceKeys = ["schedule", "timezone", "drill", "keep"]
    static let topKeys = ["scheduler", "notify"]
    static let schedulerKeys = ["jitter", "max_concurrent", "catch_up"]
    static let notifyKeys = ["webhook", "command", "on", "timeout", "retries"]
    static let keepKeys = ["last", "hourly", "daily", "weekly", "monthly", "yearly", "within", "tags"]

    /// Seconds: a number, or a number with `s`, `m` or `h` (`30s`, `5m`, `1h`).
    static func seconds(_ value: Any, at: String) throws -> TimeInterval {
        func bad() -> ScheduleConfigError { ScheduleConfigError("\(at): expected seconds (30, 30s, 5m or 1h)") }
        if let n = value as? Int, n >= 0 { return TimeInterval(n) }
        if let d = value as? Double, d >= 0 { return d }
        guard let s = value as? String, let unit = s.last else { throw bad() }
        let factor: Double
        switch unit {
        case "s": factor = 1
        case "m": factor = 60
        case "h": factor = 3600
        default: throw bad()
        }
        guard let n = Double(s.dropLast()), n >= 0 else { throw bad() }
        return n * factor
    }

    static func checkKeys(_ map: [String: Any], _ known: [String], at: String) throws {
        if let unknown = map.keys.sorted().first(where: { !known.contains($0) }) {
            throw ScheduleConfigError("\(at): unknown key '\(unknown)' (known: \(known.joined(separator: ", ")))")
        }
    }

    /// A source's schedule keys (nil when it has no `schedule`).
    static func schedule(_ map: [String: Any], at: String) throws -> SourceSchedule? {
        guard let expression = map["schedule"] else {
            if let key = ["timezone", "drill", "keep"].first(where: { map[$0] != nil }) {
                throw ScheduleConfigError("\(at).\(key): only a source with a schedule takes it; add schedule: \"CRON\"")
            }
            return nil
        }
        guard let text = expression as? String else { throw ScheduleConfigError("\(at).schedule: expected a cron expression in quotes (\"0 2 * * *\")") }
        var zone: String?
        if let z = map["timezone"] {
            guard let s = z as? String else { throw ScheduleConfigError("\(at).timezone: expected a time zone name (UTC, Europe/Paris)") }
            zone = s
        }
        var drill = false
        if let d = map["drill"] {
            guard let b = d as? Bool else { throw ScheduleConfigError("\(at).drill: expected true or false") }
            drill = b
        }
        var keep: RetentionPolicy?
        if let k = map["keep"] {
            guard let km = k as? [String: Any] else {
                throw ScheduleConfigError("\(at).keep: expected a mapping of \(keepKeys.joined(separator: ", "))")
            }
            keep = try policy(km, at: "\(at).keep")
        }
        do {
            return try SourceSchedule.make(text, timeZone: zone, drill: drill, keep: keep)
        } catch let error as ScheduleConfigError {
            throw ScheduleConfigError("\(at).schedule: \(error.description)")
        }
    }

    /// The `keep:` mapping: the CLI's `--keep-*` rules.
    static func policy(_ map: [String: Any], at: String) throws -> RetentionPolicy {
        try checkKeys(map, keepKeys, at: at)
        var p = RetentionPolicy()
        func count(_ key: String) throws -> Int {
            guard let v = map[key] else { return 0 }
            guard let n = v as? Int, n >= 0 else { throw ScheduleConfigError("\(at).\(key): expected a count (0 or more)") }
            return n
        }
        p.last = try count("last"); p.hourly = try count("hourly"); p.daily = try count("daily")
        p.weekly = try count("weekly"); p.monthly = try count("monthly"); p.yearly = try count("yearly")
        if let w = map["within"] {
            guard let s = w as? String, let d = try? RetentionPolicy.parseDuration(s) else {
                throw ScheduleConfigError("\(at).within: expected a duration such as 30d, 2w, 1y6m or 36h")
            }
            p.within = d
        }
        if let t = map["tags"] {
            guard let list = t as? [String] else { throw ScheduleConfigError("\(at).tags: expected a list of tags") }
            p.tags = list
        }
        if p.isEmpty { throw ScheduleConfigError("\(at): name at least one rule (\(keepKeys.joined(separator: ", ")))") }
        return p
    }

    static func scheduler(_ value: Any?) throws -> SchedulerSettings {
        var s = SchedulerSettings()
        guard let value else { return s }
        guard let map = value as? [String: Any] else { throw ScheduleConfigError("scheduler: expected a mapping of \(schedulerKeys.joined(separator: ", "))") }
        try checkKeys(map, schedulerKeys, at: "scheduler")
        if let j = map["jitter"] { s.jitter = try seconds(j, at: "scheduler.jitter") }
        if let m = map["max_concurrent"] {
            guard let n = m as? Int, n >= 1 else { throw ScheduleConfigError("scheduler.max_concurrent: expected a count of 1 or more") }
            s.maxConcurrent = n
        }
        if let c = map["catch_up"] {
            guard let b = c as? Bool else { throw ScheduleConfigError("scheduler.catch_up: expected true or false") }
            s.catchUp = b
        }
        return s
    }

    static func notify(_ value: Any?) throws -> NotificationSettings {
        var n = NotificationSettings()
        guard let value else { return n }
        guard let map = value as? [String: Any] else { throw ScheduleConfigError("notify: expected a mapping of \(notifyKeys.joined(separator: ", "))") }
        try checkKeys(map, notifyKeys, at: "notify")
        if let w = map["webhook"] {
            guard let s = w as? String, let url = URL(string: s), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ScheduleConfigError("notify.webhook: expected an http:// or https:// URL")
            }
            n.webhook = url
        }
        if let c = map["command"] {
            if let s = c as? String, !s.isEmpty {
                n.command = [s]
            } else if let list = c as? [String], !list.isEmpty, !list[0].isEmpty {
                n.command = list
            } else {
                throw ScheduleConfigError("notify.command: expected a program path, or a list of the program and its arguments")
            }
        }
        if let o = map["on"] {
            guard let s = o as? String, let when = NotificationSettings.When(rawValue: s) else {
                throw ScheduleConfigError("notify.on: expected failure or always")
            }
            n.on = when
        }
        if let t = map["timeout"] {
            n.timeout = try seconds(t, at: "notify.timeout")
            if n.timeout <= 0 { throw ScheduleConfigError("notify.timeout: expected more than 0 seconds") }
        }
        if let r = map["retries"] {
            guard let k = r as? Int, (0...10).contains(k) else { throw ScheduleConfigError("notify.retries: expected 0 to 10") }
            n.retries = k
        }
        if n.isEmpty { throw ScheduleConfigError("notify: name a webhook or a command") }
        return n
    }
}
