import Foundation

/// Timestamps as the service writes them and as the archive stores them: UTC ISO 8601 with milliseconds and `Z`
/// (`2016-07-15T18:12:31.743Z`), which also sort correctly as text. Formatted by hand: the emulator stamps every
/// write with it, and it needs no locale or calendar.
public enum Timestamp {
    public static func now() -> String { format(milliseconds: nowMilliseconds()) }

    /// `date`, its milliseconds truncated.
    public static func string(from date: Date) -> String { format(milliseconds: milliseconds(date)) }

    public static func nowMilliseconds() -> Int64 { milliseconds(Date()) }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func format(milliseconds ms: Int64) -> String {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        let (y, month, day) = Civil.date(ofDay: days)
        let m = Int64(month), d = Int64(day)
        let h = msOfDay / 3_600_000, mi = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, f = msOfDay % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// The instant of a timestamp in exactly this form (`2026-12-04T02:00:00.123Z`), read without Foundation's
    /// formatter (a metrics scrape reads one per source); nil for any other text.
    public static func date(_ stamp: String) -> Date? {
        let u = Array(stamp.utf8)
        guard u.count == 24, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u[19] == 46, u[23] == 90 else {
            return nil
        }
        func n(_ from: Int, _ count: Int) -> Int64? {
            var v: Int64 = 0
            for i in from..<(from + count) {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int64(u[i] - 48)
            }
            return v
        }
        guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let sec = n(17, 2),
              let ms = n(20, 3), (1...12).contains(mo), (1...31).contains(d) else { return nil }
        let days = Civil.day(year: y, month: Int(mo), day: Int(d))
        let seconds: Int64 = days * 86_400 + h * 3600 + mi * 60 + sec
        return Date(timeIntervalSince1970: Double(seconds) + Double(ms) / 1000)
    }
}

/// Proleptic Gregorian dates as day numbers since 1970-01-01 (Howard Hinnant's algorithms): no `Calendar` and no
/// time zone needed. Timestamps and cron schedules count days with it.
public enum Civil {
    /// The day number of a count of seconds since 1970-01-01T00:00 (negative before it).
    public static func day(of seconds: Int64) -> Int64 {
        seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    }

    /// Days-to-civil.
    public static func date(ofDay z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), Int(m), Int(d))
    }

    /// Civil-to-days.
    public static func day(year y: Int64, month mo: Int, day d: Int) -> Int64 {
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = Int64((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1)
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
