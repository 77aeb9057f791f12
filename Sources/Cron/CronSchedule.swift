import Basics
import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) in a time zone: when it fires
/// next, when it fired last, and the interval a monitor should expect between two firings.
///
/// The syntax is Vixie cron's (the one `crontab(5)` documents): `*`, numbers, ranges `a-b`, steps `*/n`,
/// `a-b/n` and `a/n` (from a to the field's end), lists `a,b-c,*/n`; month and weekday names (`JAN`, `MON`, any
/// case); weekday 0 or 7 for Sunday; the macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
/// (`@midnight`) and `@hourly`. When both the day of the month and the weekday are restricted (neither field
/// starts with `*`), a day matches when either does (`0 0 13 * 5` fires on the 13th and on every Friday);
/// otherwise both must.
///
/// Daylight saving time, as cronie handles it:
/// - A wall-clock time that does not exist (the hour skipped in spring) fires once, at the moment the clock
///   jumps, for a schedule with fixed hours (a nightly `30 2 * * *` still runs that night); a schedule that
///   fires every hour has nothing to catch up and skips it.
/// - A wall-clock time that happens twice (the hour repeated in autumn) fires once, at its first occurrence,
///   for a schedule with fixed hours; a schedule that fires every hour fires in both passes, so it keeps its
///   pace in real time.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    /// The expression as given (trimmed).
    public let expression: String
    public let timeZone: TimeZone

    let minutes: FieldSet
    let hours: FieldSet
    let daysOfMonth: FieldSet
    let months: FieldSet
    let weekdays: FieldSet
    /// Vixie's rule: the day matches when either field matches, when neither starts with `*`.
    let dayMatchesEither: Bool

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    public static func == (a: CronSchedule, b: CronSchedule) -> Bool {
        a.expression == b.expression && a.timeZone.identifier == b.timeZone.identifier
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let expression: String
        public let reason: String
        public var description: String { "cron expression '\(expression)': \(reason)" }
    }

    public init(_ expression: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(ParseError) {
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        self.expression = trimmed
        self.timeZone = timeZone
        func fail(_ reason: String) -> ParseError { ParseError(expression: trimmed, reason: reason) }

        var text = trimmed
        if trimmed.hasPrefix("@") {
            switch trimmed.lowercased() {
            case "@yearly", "@annually": text = "0 0 1 1 *"
            case "@monthly": text = "0 0 1 * *"
            case "@weekly": text = "0 0 * * 0"
            case "@daily", "@midnight": text = "0 0 * * *"
            case "@hourly": text = "0 * * * *"
            default: throw fail("unknown macro (there are @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)")
            }
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw fail("has \(fields.count) field\(fields.count == 1 ? "" : "s"); a schedule has 5: minute hour day-of-month month day-of-week")
        }
        do {
            minutes = try FieldSet(fields[0], .minute)
            hours = try FieldSet(fields[1], .hour)
            daysOfMonth = try FieldSet(fields[2], .dayOfMonth)
            months = try FieldSet(fields[3], .month)
            weekdays = try FieldSet(fields[4], .weekday)
        } catch {
            throw fail(error.reason)
        }
        dayMatchesEither = !fields[2].hasPrefix("*") && !fields[4].hasPrefix("*")
        // A day of the month that no chosen month has (`0 0 30 2 *`) never fires; say so now, not never.
        if !dayMatchesEither, !daysOfMonth.isFull {
            let possible = months.values.contains { month in daysOfMonth.values.contains { $0 <= Civil.longestMonth(month) } }
            if !possible { throw fail("never fires: no chosen month has that day") }
        }
    }

    // MARK: Firings

    /// The first firing strictly after `instant`, or nil when none comes within 100 years.
    public func next(after instant: Date) -> Date? {
        let t = Int64(floor(instant.timeIntervalSince1970))
        let startDay = Civil.day(of: wallClock(t)) - 1
        var best: Int64?
        for day in startDay ..< startDay + 366 * 100 {
            if let best, day > Civil.day(of: best + Self.maxOffset) + 1 { break }
            guard matches(day: day) else { continue }
            for hour in hours.values {
                for minute in minutes.values {
                    let wall = (day * 24 + Int64(hour)) * 3600 + Int64(minute) * 60
                    if wall + Self.maxOffset <= t { continue }
                    if let best, wall - Self.maxOffset > best { break }
                    for candidate in instants(ofWallClock: wall) where candidate > t {
                        if best == nil || candidate < best! { best = candidate }
                    }
                }
            }
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The last firing at or before `instant`, or nil when none was within 100 years.
    public func previous(atOrBefore instant: Date) -> Date? {
        let t = Int64(floor(instant.timeIntervalSince1970))
        let startDay = Civil.day(of: wallClock(t)) + 1
        var best: Int64?
        for day in stride(from: startDay, to: startDay - 366 * 100, by: -1) {
            if let best, day < Civil.day(of: best - Self.maxOffset) - 1 { break }
            guard matches(day: day) else { continue }
            for hour in hours.values.reversed() {
                for minute in minutes.values.reversed() {
                    let wall = (day * 24 + Int64(hour)) * 3600 + Int64(minute) * 60
                    if wall - Self.maxOffset > t { continue }
                    if let best, wall + Self.maxOffset < best { break }
                    for candidate in instants(ofWallClock: wall) where candidate <= t {
                        if best == nil || candidate > best! { best = candidate }
                    }
                }
            }
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The gap a monitor should expect around `instant`: from the last firing at or before it to the next one
    /// after it (`0 2 * * 1-5` expects three days over a weekend, one on a weekday night).
    public func expectedInterval(at instant: Date) -> TimeInterval? {
        guard let last = previous(atOrBefore: instant), let next = next(after: instant) else { return nil }
        // Whole seconds both: Date's own arithmetic can leave a rounding error.
        return (next.timeIntervalSince1970 - last.timeIntervalSince1970).rounded()
    }

    // MARK: Wall clock and time zone

    /// No zone is more than 18 hours from UTC: a bound for skipping wall-clock times that cannot matter.
    static let maxOffset: Int64 = 18 * 3600

    func wallClock(_ t: Int64) -> Int64 {
        t + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
    }

    /// The instants at which the wall clock reads `wall` (seconds as if the zone were UTC), under the rules of
    /// this type's documentation: one, two (a repeated hour, every-hour schedules only) or the jump (a skipped
    /// hour, fixed-hour schedules only), or none.
    func instants(ofWallClock wall: Int64) -> [Int64] {
        let before = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall - 86_400))))
        let after = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall + 86_400))))
        var found: [Int64] = []
        for offset in Set([before, after]).sorted(by: >) {
            let t = wall - offset
            if Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))) == offset { found.append(t) }
        }
        found.sort()
        let everyHour = hours.isFull
        if found.isEmpty {
            // Skipped by a jump forward: the jump happens between the two readings of the offsets.
            guard !everyHour, after > before,
                  let jump = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(wall - after)))
            else { return [] }
            return [Int64(jump.timeIntervalSince1970)]
        }
        return everyHour ? found : [found[0]]
    }

    func matches(day: Int64) -> Bool {
        let (_, month, dayOfMonth) = Civil.date(ofDay: day)
        guard months.contains(month) else { return false }
        let weekday = Civil.weekday(ofDay: day)
        let domMatch = daysOfMonth.contains(dayOfMonth)
        let dowMatch = weekdays.contains(weekday)
        return dayMatchesEither ? (domMatch || dowMatch) : (domMatch && dowMatch)
    }
}

// MARK: Fields

struct FieldError: Error { let reason: String }

/// The values one field allows, as a bit set over the field's range.
struct FieldSet: Sendable, Equatable {
    enum Kind {
        case minute, hour, dayOfMonth, month, weekday

        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day of month"
            case .month: "month"
            case .weekday: "day of week"
            }
        }
        /// The values a field may name (weekday 7 is Sunday again).
        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .weekday: 0...7
            }
        }
        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .weekday: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }
        var firstNamed: Int { self == .month ? 1 : 0 }
    }

    private(set) var bits: UInt64 = 0
    let kind: Kind

    init(_ text: String, _ kind: Kind) throws(FieldError) {
        self.kind = kind
        guard !text.isEmpty else { throw FieldError(reason: "the \(kind.name) field is empty") }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            try add(String(item))
        }
        if kind == .weekday, bits & (1 << 7) != 0 { bits = (bits & ~(1 << 7)) | 1 }
    }

    var isFull: Bool {
        let r = kind == .weekday ? 0...6 : kind.range
        return r.allSatisfy { bits & (1 << UInt64($0)) != 0 }
    }
    var values: [Int] { kind.range.filter { bits & (1 << UInt64($0)) != 0 } }
    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    private mutating func add(_ item: String) throws(FieldError) {
        let range = kind.range
        guard !item.isEmpty else { throw FieldError(reason: "the \(kind.name) field has an empty list item") }
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw FieldError(reason: "'\(item)' in the \(kind.name) field has two steps") }
        var step = 1
        if parts.count == 2 {
            guard let s = Int(parts[1]), s > 0 else {
                throw FieldError(reason: "'\(item)': the step of the \(kind.name) field must be a whole number above 0")
            }
            step = s
        }
        let base = String(parts[0])
        var low: Int, high: Int
        if base == "*" {
            low = range.lowerBound
            high = kind == .weekday ? 6 : range.upperBound
        } else if let dash = base.firstIndex(of: "-") {
            low = try value(String(base[..<dash]), in: item)
            high = try value(String(base[base.index(after: dash)...]), in: item)
            guard low <= high else {
                throw FieldError(reason: "'\(item)': the \(kind.name) range runs backwards (\(low) > \(high))")
            }
        } else {
            low = try value(base, in: item)
            // `a/n` runs from a to the field's end, as in Vixie cron.
            high = parts.count == 2 ? (kind == .weekday ? 6 : range.upperBound) : low
        }
        for v in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(v) }
    }

    private func value(_ text: String, in item: String) throws(FieldError) -> Int {
        if let n = Int(text), !text.hasPrefix("+"), !text.hasPrefix("-") {
            guard kind.range.contains(n) else {
                throw FieldError(reason: "\(kind.name) \(n) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return n
        }
        if let i = kind.names.firstIndex(of: text.uppercased()) { return i + kind.firstNamed }
        let named = kind.names.isEmpty ? "" : " or a name (\(kind.names.first!)-\(kind.names.last!))"
        throw FieldError(reason: "'\(item)': '\(text)' is not a \(kind.name) (a number \(kind.range.lowerBound)-\(kind.range.upperBound)\(named))")
    }
}

// MARK: Civil calendar

/// What schedules add to Basics' day numbers.
extension Civil {
    /// 0 is Sunday (1970-01-01 was a Thursday).
    static func weekday(ofDay day: Int64) -> Int {
        Int(((day % 7) + 11) % 7)
    }

    /// The most days a month can have (February: 29).
    static func longestMonth(_ month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
