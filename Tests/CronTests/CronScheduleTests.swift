import Foundation
import Testing
@testable import Cron

private func at(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text)!
}

private func cron(_ expression: String, _ zone: String = "UTC") throws -> CronSchedule {
    try CronSchedule(expression, timeZone: TimeZone(identifier: zone)!)
}

/// The firings after `start`, one after another.
private func firings(_ schedule: CronSchedule, after start: String, count: Int) -> [Date] {
    var out: [Date] = []
    var t = at(start)
    for _ in 0..<count {
        guard let n = schedule.next(after: t) else { break }
        out.append(n)
        t = n
    }
    return out
}

@Suite struct CronSyntaxTests {
    @Test func stepsFireStrictlyAfterTheGivenInstant() throws {
        let s = try cron("*/15 * * * *")
        #expect(s.next(after: at("2026-12-04T10:07:00Z")) == at("2026-12-04T10:15:00Z"))
        #expect(s.next(after: at("2026-12-04T10:15:00Z")) == at("2026-12-04T10:30:00Z"))
        #expect(s.next(after: at("2026-12-04T23:50:00Z")) == at("2026-12-05T00:00:00Z"))
        #expect(s.previous(atOrBefore: at("2026-12-04T10:15:00Z")) == at("2026-12-04T10:15:00Z"))
        #expect(s.previous(atOrBefore: at("2026-12-04T10:14:59Z")) == at("2026-12-04T10:00:00Z"))
    }

    @Test func listsRangesAndRangeSteps() throws {
        #expect(try cron("5,35 8-10 * * *").next(after: at("2026-12-04T10:40:00Z")) == at("2026-12-05T08:05:00Z"))
        #expect(firings(try cron("10-50/20 * * * *"), after: "2026-12-04T10:00:00Z", count: 4)
            == ["10:10", "10:30", "10:50", "11:10"].map { at("2026-12-04T\($0):00Z") })
        // `a/n` runs from a to the end of the field.
        #expect(firings(try cron("30/15 * * * *"), after: "2026-12-04T10:00:00Z", count: 3)
            == ["10:30", "10:45", "11:30"].map { at("2026-12-04T\($0):00Z") })
    }

    @Test func weekdaysOnlyExpectThreeDaysOverAWeekend() throws {
        let s = try cron("0 2 * * 1-5")
        // 2026-12-04 is a Friday.
        #expect(s.next(after: at("2026-12-04T03:00:00Z")) == at("2026-12-07T02:00:00Z"))
        #expect(s.expectedInterval(at: at("2026-12-05T12:00:00Z")) == TimeInterval(3 * 86_400))
        #expect(s.expectedInterval(at: at("2026-12-08T12:00:00Z")) == TimeInterval(86_400))
    }

    @Test func february29FiresInLeapYearsOnly() throws {
        let s = try cron("0 0 29 2 *")
        #expect(firings(s, after: "2026-12-04T00:00:00Z", count: 3)
            == [at("2028-02-29T00:00:00Z"), at("2032-02-29T00:00:00Z"), at("2036-02-29T00:00:00Z")])
        #expect(s.previous(atOrBefore: at("2026-12-04T00:00:00Z")) == at("2024-02-29T00:00:00Z"))
    }

    @Test func dayOfMonthOrWeekdayWhenBothAreRestricted() throws {
        // Vixie's rule: the 13th, and every Friday.
        #expect(firings(try cron("0 0 13 * 5"), after: "2026-12-04T00:00:00Z", count: 3)
            == [at("2026-12-11T00:00:00Z"), at("2026-12-13T00:00:00Z"), at("2026-12-18T00:00:00Z")])
        // A field starting with * makes it "and": Fridays that are the 1st, 11th, 21st or 31st.
        #expect(firings(try cron("0 0 */10 * 5"), after: "2026-12-04T00:00:00Z", count: 2)
            == [at("2026-12-11T00:00:00Z"), at("2027-01-01T00:00:00Z")])
    }

    @Test func namesSevenForSundayAndMacros() throws {
        let named = try cron("0 12 * jan-MAR SUN,7")
        let numbered = try cron("0 12 * 1-3 0")
        #expect(firings(named, after: "2026-12-04T00:00:00Z", count: 5) == firings(numbered, after: "2026-12-04T00:00:00Z", count: 5))
        #expect(named.next(after: at("2026-12-04T00:00:00Z")) == at("2027-01-03T12:00:00Z"))
        #expect(try cron("@weekly").next(after: at("2026-12-04T00:00:00Z")) == at("2026-12-06T00:00:00Z"))
        #expect(try cron("@daily").next(after: at("2026-12-04T00:00:00Z")) == at("2026-12-05T00:00:00Z"))
        #expect(try cron("@hourly").next(after: at("2026-12-04T00:00:00Z")) == at("2026-12-04T01:00:00Z"))
        #expect(try cron("@yearly").next(after: at("2026-12-04T00:00:00Z")) == at("2027-01-01T00:00:00Z"))
        #expect(try cron("@monthly").next(after: at("2026-12-04T00:00:00Z")) == at("2027-01-01T00:00:00Z"))
    }

    @Test(arguments: [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("* * * *", "has 4 fields; a schedule has 5: minute hour day-of-month month day-of-week"),
        ("", "has 0 fields; a schedule has 5: minute hour day-of-month month day-of-week"),
        ("*/0 * * * *", "'*/0': the step of the minute field must be a whole number above 0"),
        ("0 0 30 2 *", "never fires: no chosen month has that day"),
        ("5-1 * * * *", "'5-1': the minute range runs backwards (5 > 1)"),
        ("@reboot", "unknown macro (there are @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"),
        ("0 0 * FOO *", "'FOO': 'FOO' is not a month (a number 1-12 or a name (JAN-DEC))"),
        ("0 0 1,,2 * *", "the day of month field has an empty list item"),
        ("0 -1 * * *", "'-1': '' is not a hour (a number 0-23)"),
    ])
    func malformedExpressionsSayWhatIsWrong(expression: String, reason: String) {
        #expect(throws: CronSchedule.ParseError(expression: expression, reason: reason)) { try cron(expression) }
    }
}

/// Daylight saving time in Europe/Berlin, 2026: the clock jumps from 02:00 CET to 03:00 CEST at 01:00 UTC on
/// March 29 and falls back from 03:00 CEST to 02:00 CET at 01:00 UTC on October 25.
@Suite struct CronDaylightSavingTests {
    @Test func aFixedTimeInTheSkippedHourFiresOnceWhenTheClockJumps() throws {
        let s = try cron("30 2 * * *", "Europe/Berlin")
        #expect(firings(s, after: "2026-03-28T12:00:00Z", count: 3)
            == [at("2026-03-29T01:00:00Z"), at("2026-03-30T00:30:00Z"), at("2026-03-31T00:30:00Z")])
        #expect(s.previous(atOrBefore: at("2026-03-29T12:00:00Z")) == at("2026-03-29T01:00:00Z"))
        #expect(s.expectedInterval(at: at("2026-03-29T12:00:00Z")) == TimeInterval(23.5 * 3600))
        // Two firings inside the gap are one.
        #expect(firings(try cron("0,30 2 * * *", "Europe/Berlin"), after: "2026-03-28T12:00:00Z", count: 2)
            == [at("2026-03-29T01:00:00Z"), at("2026-03-30T00:00:00Z")])
    }

    @Test func anEveryHourScheduleSkipsTheMissingHour() throws {
        #expect(firings(try cron("*/30 * * * *", "Europe/Berlin"), after: "2026-03-29T00:00:00Z", count: 3)
            == [at("2026-03-29T00:30:00Z"), at("2026-03-29T01:00:00Z"), at("2026-03-29T01:30:00Z")])
        // 02:15 does not exist that night and is not caught up at 03:00.
        #expect(firings(try cron("15 * * * *", "Europe/Berlin"), after: "2026-03-29T00:00:00Z", count: 2)
            == [at("2026-03-29T00:15:00Z"), at("2026-03-29T01:15:00Z")])
    }

    @Test func aFixedTimeInTheRepeatedHourFiresOnce() throws {
        let s = try cron("30 2 * * *", "Europe/Berlin")
        #expect(firings(s, after: "2026-10-24T12:00:00Z", count: 2) == [at("2026-10-25T00:30:00Z"), at("2026-10-26T01:30:00Z")])
        #expect(s.expectedInterval(at: at("2026-10-25T12:00:00Z")) == TimeInterval(25 * 3600))
    }

    @Test func anEveryHourScheduleFiresInBothPassesOfTheRepeatedHour() throws {
        #expect(firings(try cron("*/30 * * * *", "Europe/Berlin"), after: "2026-10-25T00:00:00Z", count: 4)
            == ["00:30", "01:00", "01:30", "02:00"].map { at("2026-10-25T\($0):00Z") })
        #expect(try cron("*/30 * * * *", "Europe/Berlin").previous(atOrBefore: at("2026-10-25T01:10:00Z")) == at("2026-10-25T01:00:00Z"))
    }

    @Test func westOfGreenwichToo() throws {
        // New York springs forward from 02:00 EST to 03:00 EDT at 07:00 UTC on 2026-03-08.
        let s = try cron("30 2 * * *", "America/New_York")
        #expect(firings(s, after: "2026-03-07T12:00:00Z", count: 3)
            == [at("2026-03-08T07:00:00Z"), at("2026-03-09T06:30:00Z"), at("2026-03-10T06:30:00Z")])
    }
}
