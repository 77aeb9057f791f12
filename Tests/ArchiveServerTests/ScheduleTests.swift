import Basics
import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSEmulator
@testable import ArchiveServer

/// A clock the test moves: `sleep(until:)` returns once ``advance(to:)`` has passed the deadline. No sleeping.
final class ManualClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [(id: Int, deadline: Date, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    init(_ start: Date) { current = start }

    func now() -> Date { lock.withLock { current } }

    func sleep(until deadline: Date) async throws {
        let id = lock.withLock { () -> Int in
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let ready = lock.withLock { () -> Bool in
                    if deadline <= current { return true }
                    sleepers.append((id, deadline, c))
                    return false
                }
                if ready { c.resume() }
            }
        } onCancel: {
            let found = lock.withLock { () -> CheckedContinuation<Void, any Error>? in
                guard let i = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: i).continuation
            }
            found?.resume(throwing: CancellationError())
        }
    }

    func advance(to date: Date) {
        let due = lock.withLock { () -> [CheckedContinuation<Void, any Error>] in
            current = max(current, date)
            let due = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return due.map(\.continuation)
        }
        for c in due { c.resume() }
    }

    func set(_ date: Date) { lock.withLock { current = date } }
}

func utc(_ text: String) -> Date { Scheduler.date(text)! }

/// Schedules driven by a ``ManualClock``: firing times, catch-up, jitter, pause/resume across a restart, the
/// concurrency bound. Runs are waited for through the scheduler's own state (``Scheduler/until(_:)``).
@Suite struct ScheduleTests {
    static func config(_ schedule: String = "*/15 * * * *", extra: String = "", scheduler: String = "catch_up: false") -> String {
        """
        sources:
          - name: prod
            service_name: text_to_speech
            schedule: "\(schedule)"
        \(extra)
        scheduler:
          \(scheduler)
        """
    }

    @Test func runsFireAtTheCronTimesAsScheduledOperations() async throws {
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: Self.config(), clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 30, seed: 5))
            let scheduler = h.server.scheduler
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            #expect(await scheduler.deadlines["prod"] == [utc("2026-12-04T10:15:00Z")])
            var list = try await h.call(.GET, "/v1/schedules")
            #expect(list.status == 200)
            var s = try #require((list.json["value"] as? [[String: Any]])?.first)
            #expect(s["source"] as? String == "prod")
            #expect(s["cron"] as? String == "*/15 * * * *")
            #expect(s["timezone"] as? String == "UTC")
            #expect(s["nextRunDateTime"] as? String == "2026-12-04T10:15:00.000Z")
            #expect(s["expectedIntervalSeconds"] as? Int == 900)
            #expect(s["overdue"] as? Bool == true)  // never snapshotted
            #expect(s["lastRun"] == nil)
            let none = try await h.call(.GET, "/v1/operations").json["value"] as? [Any]
            #expect(none?.isEmpty ?? true)

            clock.advance(to: utc("2026-12-04T10:14:59Z"))
            clock.advance(to: utc("2026-12-04T10:15:00Z"))
            await scheduler.until { $0.completedRuns == 1 && $0.deadlines["prod"]?.count == 2 }
            #expect(await scheduler.deadlines["prod"]?.last == utc("2026-12-04T10:30:00Z"))
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            #expect(ops.count == 1)
            #expect(ops.first?["kind"] as? String == "snapshot")
            #expect(ops.first?["trigger"] as? String == "schedule")
            #expect(ops.first?["status"] as? String == "Succeeded")
            list = try await h.call(.GET, "/v1/schedules")
            s = try #require((list.json["value"] as? [[String: Any]])?.first)
            #expect((s["lastRun"] as? [String: Any])?["operationId"] as? String == ops.first?["id"] as? String)
            #expect((s["lastRun"] as? [String: Any])?["status"] as? String == "Succeeded")
            #expect(s["lastSuccessDateTime"] != nil)
            #expect(s["nextRunDateTime"] as? String == "2026-12-04T10:30:00.000Z")
            // The snapshot finished at the real time, after the manual clock's 10:15: not overdue.
            #expect(s["overdue"] as? Bool == false)
            // An API request's operation says so.
            let api = try await h.call(.POST, "/v1/snapshots")
            #expect(api.json["trigger"] as? String == "api")
        }
    }

    @Test func aMissedRunCatchesUpOnceAtStartUpNotOncePerSlot() async throws {
        let clock = ManualClock(Date())
        try await Harness.with(config: Self.config("0 * * * *"), clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 30, seed: 6))
            let taken = try await h.call(.POST, "/v1/snapshots")
            _ = try await h.finished(try #require(taken.json["id"] as? String))
            await h.stop()
            let path = h.dir.path("server.yaml")
            try Self.config("0 * * * *", scheduler: "catch_up: true").write(toFile: path, atomically: true, encoding: .utf8)

            // 30 minutes later: the newest snapshot is younger than the hourly interval; nothing to catch up.
            clock.set(Date().addingTimeInterval(30 * 60))
            try await h.start(configPath: path)
            await h.server.scheduler.until { $0.deadlines["prod"]?.count == 1 }
            #expect(await h.server.scheduler.completedRuns == 0)
            await h.stop()

            // Five hours later: five firings were missed; one run at start-up, then the next firing.
            clock.set(Date().addingTimeInterval(5 * 3600))
            try await h.start(configPath: path)
            await h.server.scheduler.until { $0.completedRuns == 1 && $0.deadlines["prod"]?.count == 1 }
            let scheduled = try await h.call(.GET, "/v1/operations?kind=snapshot").json["value"] as? [[String: Any]] ?? []
            #expect(scheduled.filter { $0["trigger"] as? String == "schedule" }.count == 1)
            #expect(await h.server.scheduler.completedRuns == 1)
        }
    }

    @Test func jitterStaysWithinItsBound() async throws {
        let clock = ManualClock(utc("2026-12-04T10:00:30Z"))
        try await Harness.with(config: Self.config("* * * * *", scheduler: "catch_up: false\n  jitter: 20s"), clock: clock) { h in
            let scheduler = h.server.scheduler
            // Paused: firings are waited for and skipped, so the test sees many deadlines without running snapshots.
            let paused = try await h.call(.POST, "/v1/schedules/prod:pause")
            #expect(paused.status == 200)
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            for minute in 1...12 {
                clock.advance(to: utc("2026-12-04T10:00:00Z").addingTimeInterval(Double(minute) * 60 + 20))
                await scheduler.until { $0.deadlines["prod"]?.count == minute + 1 }
            }
            let deadlines = await scheduler.deadlines["prod"] ?? []
            for (i, d) in deadlines.enumerated() {
                let fire = utc("2026-12-04T10:00:00Z").addingTimeInterval(Double(i + 1) * 60)
                #expect(d >= fire && d <= fire.addingTimeInterval(20), "deadline \(d) for the firing at \(fire)")
            }
            #expect(Set(deadlines.map { $0.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) }).count > 1)  // it does vary
            #expect(await scheduler.completedRuns == 0)
            var draws: [TimeInterval] = []
            for _ in 0..<1000 { draws.append(await scheduler.jitter()) }
            #expect(draws.allSatisfy { (0...20).contains($0) })
        }
    }

    @Test func pauseAndResumeSurviveARestart() async throws {
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: Self.config(), clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 7))
            let paused = try await h.call(.POST, "/v1/schedules/prod:pause")
            #expect(paused.status == 200)
            #expect(paused.json["paused"] as? Bool == true)
            #expect(paused.json["pausedDateTime"] != nil)
            let unknown = try await h.call(.POST, "/v1/schedules/nope:pause")
            #expect(unknown.status == 404)
            #expect((unknown.error["message"] as? String)?.contains("prod") == true)

            await h.stop()
            try await h.start(configPath: h.dir.path("server.yaml"))
            let scheduler = h.server.scheduler
            let list = try await h.call(.GET, "/v1/schedules")
            #expect((list.json["value"] as? [[String: Any]])?.first?["paused"] as? Bool == true)
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            clock.advance(to: utc("2026-12-04T10:15:00Z"))
            await scheduler.until { $0.deadlines["prod"]?.count == 2 }
            #expect(await scheduler.completedRuns == 0)
            #expect((try await h.call(.GET, "/v1/operations").json["value"] as? [Any])?.isEmpty ?? true)

            let resumed = try await h.call(.POST, "/v1/schedules/prod:resume")
            #expect(resumed.json["paused"] as? Bool == false)
            clock.advance(to: utc("2026-12-04T10:30:00Z"))
            await scheduler.until { $0.completedRuns == 1 }
            #expect((try await h.call(.GET, "/v1/operations").json["value"] as? [Any])?.count == 1)
        }
    }

    @Test func concurrentRunsNeverExceedTheBound() async throws {
        let extra = [EmulatorServer(), EmulatorServer()]
        var environment: [String: String] = [:]
        for (i, e) in extra.enumerated() {
            let url = try await e.start()
            environment["SRC\(i)_URL"] = url.absoluteString
            environment["SRC\(i)_AUTH_TYPE"] = "noAuth"
            _ = try e.generate(GeneratorSpec(models: 1, words: 10, seed: UInt64(20 + i)))
        }
        defer { Task { for e in extra { await e.stop() } } }
        let config = """
            sources:
              - name: prod
                service_name: text_to_speech
                schedule: "0 * * * *"
              - name: second
                service_name: src0
                schedule: "0 * * * *"
              - name: third
                service_name: src1
                schedule: "0 * * * *"
            scheduler:
              catch_up: false
              max_concurrent: 2
            """
        let clock = ManualClock(utc("2026-12-04T10:30:00Z"))
        try await Harness.with(config: config, clock: clock, environment: environment) { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 8))
            let holds = [h.source.faults.hold("GET", .prefix("/v1/customizations"))]
                + extra.map { $0.faults.hold("GET", .prefix("/v1/customizations")) }
            let scheduler = h.server.scheduler
            await scheduler.until { $0.deadlines.values.map(\.count).reduce(0, +) == 3 }
            clock.advance(to: utc("2026-12-04T11:00:00Z"))
            // Two runs in, the third waits for a permit: only two operations exist.
            await scheduler.until { $0.inFlight == 2 && $0.waitingRuns == 1 }
            let running = try await h.call(.GET, "/v1/operations?status=Running").json["value"] as? [Any]
            #expect(running?.count == 2)
            for hold in holds { await hold.release() }
            await scheduler.until { $0.completedRuns == 3 }
            #expect(await scheduler.peakInFlight == 2)
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            #expect(ops.count == 3)
            #expect(ops.allSatisfy { $0["status"] as? String == "Succeeded" && $0["trigger"] as? String == "schedule" })
        }
    }

    @Test func aFiringThatFindsTheSnapshotRunningIsSkippedWithALogLine() async throws {
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: Self.config(), clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 20, seed: 15))
            let hold = h.source.faults.hold("GET", .prefix("/v1/customizations"))
            let started = try await h.call(.POST, "/v1/snapshots")
            let id = try #require(started.json["id"] as? String)
            await hold.reached()  // the API's snapshot is running
            let scheduler = h.server.scheduler
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            clock.advance(to: utc("2026-12-04T10:15:00Z"))
            await scheduler.until { $0.completedRuns == 1 }
            #expect(h.log.lines.contains { $0.contains("scheduled snapshot skipped") && $0.contains(id) })
            await hold.release()
            _ = try await h.finished(id)
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            #expect(ops.count == 1)
            #expect(ops.first?["trigger"] as? String == "api")
        }
    }

    @Test func retentionAndDrillFollowAScheduledSnapshot() async throws {
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        let config = """
            sources:
              - name: prod
                service_name: text_to_speech
                schedule: "*/15 * * * *"
                drill: true
                keep:
                  last: 2
            scheduler:
              catch_up: false
            """
        try await Harness.with(config: config, clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 20, seed: 9))
            for _ in 0..<3 {
                let r = try await h.call(.POST, "/v1/snapshots")
                _ = try await h.finished(try #require(r.json["id"] as? String))
            }
            let scheduler = h.server.scheduler
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            clock.advance(to: utc("2026-12-04T10:15:00Z"))
            await scheduler.until { $0.completedRuns == 1 }
            // Four snapshots, `keep: last: 2` leaves two.
            #expect((try await h.call(.GET, "/v1/snapshots").json["value"] as? [Any])?.count == 2)
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            let drill = try #require(ops.first { $0["kind"] as? String == "drill" })
            #expect(drill["trigger"] as? String == "schedule")
            #expect(drill["status"] as? String == "Succeeded")
            let snapshot = try #require(ops.first { $0["kind"] as? String == "snapshot" && $0["trigger"] as? String == "schedule" })
            let forget = (snapshot["result"] as? [String: Any])?["forget"] as? [String: Any]
            #expect(forget?["status"] as? String == "succeeded")
            #expect((forget?["forgotten"] as? [Any])?.count == 2)
            let metrics = try await h.call(.GET, "/metrics").text
            #expect(metrics.contains("tts_archive_forget_successes_total{source=\"prod\"} 1"))
            #expect(metrics.contains("tts_archive_drill_last_status{source=\"prod\"} 1"))
        }
    }
}

@Suite struct ScheduleConfigTests {
    static func error(_ yaml: String) -> String {
        do {
            _ = try ServerConfig.parse(yaml, path: "server.yaml")
            return ""
        } catch { return "\(error)" }
    }

    @Test func scheduleKeysAreCheckedAtStartUp() throws {
        let src = "sources:\n  - name: prod\n"
        #expect(Self.error(src + "    schedule: \"0 2 * *\"\n").contains("sources[0].schedule: cron expression '0 2 * *': has 4 fields"))
        #expect(Self.error(src + "    schedule: \"0 2 * * *\"\n    timezone: Mars/Base\n").contains("unknown time zone 'Mars/Base'"))
        #expect(Self.error(src + "    drill: true\n").contains("sources[0].drill: only a source with a schedule takes it"))
        #expect(Self.error(src + "    schedule: \"@daily\"\n    keep:\n      dayly: 7\n").contains("sources[0].keep: unknown key 'dayly'"))
        #expect(Self.error(src + "    schedule: \"@daily\"\n    keep:\n      within: 3 days\n").contains("sources[0].keep.within"))
        #expect(Self.error(src + "scheduler:\n  max_concurrent: 0\n").contains("scheduler.max_concurrent"))
        #expect(Self.error(src + "scheduler:\n  jiter: 5s\n").contains("scheduler: unknown key 'jiter'"))
        #expect(Self.error(src + "notify:\n  webhook: ftp://x\n").contains("notify.webhook: expected an http:// or https:// URL"))
        #expect(Self.error(src + "notify:\n  on: failure\n").contains("notify: name a webhook or a command"))
        let config = try ServerConfig.parse(src + """
                schedule: "30 2 * * 1-5"
                timezone: Europe/Paris
                drill: true
                keep: {daily: 7, weekly: 4, within: 30d, tags: [release]}
            scheduler: {jitter: 2m, max_concurrent: 4, catch_up: false}
            notify: {webhook: "http://127.0.0.1:9/hook", command: /usr/local/bin/page-me, on: always, timeout: 5s, retries: 2}
            """, path: "s")
        let s = try #require(config.schedules["prod"])
        #expect(s.cron.expression == "30 2 * * 1-5")
        #expect(s.cron.timeZone.identifier == "Europe/Paris")
        #expect(s.drill)
        #expect(s.keep?.daily == 7 && s.keep?.weekly == 4 && s.keep?.within == 30 * 86400 && s.keep?.tags == ["release"])
        #expect(config.scheduler == SchedulerSettings(jitter: 120, maxConcurrent: 4, catchUp: false))
        #expect(config.notify.command == ["/usr/local/bin/page-me"])
        #expect(config.notify.on == .always && config.notify.retries == 2 && config.notify.timeout == 5)
    }

    @Test func archiveTimestampsReadAsFoundationReadsThem() throws {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for stamp in ["2026-12-04T02:00:00.123Z", "2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.000Z", "1969-12-31T23:59:59.500Z",
                      "2100-01-01T12:34:56.001Z"] {
            let ours = try #require(Scheduler.date(stamp)).timeIntervalSince1970
            let theirs = try #require(f.date(from: stamp)).timeIntervalSince1970
            #expect(abs(ours - theirs) < 0.0005, "\(stamp)")
        }
        #expect(Scheduler.date("2026-12-04T02:00:00Z") == Date(timeIntervalSince1970: 1_796_349_600))
        #expect(Scheduler.date("2026-13-04T02:00:00.000Z") == nil)
        // Basics' one civil calendar both ways: what Timestamp writes, it reads back (leap days, before 1970).
        for ms in stride(from: Int64(-2_000_000_000_000), through: 5_000_000_000_000, by: 86_400_000 * 37 + 12_345) {
            let stamp = Timestamp.format(milliseconds: ms)
            #expect(Timestamp.date(stamp) == Date(timeIntervalSince1970: Double(ms) / 1000), "\(stamp)")
        }
    }

    @Test func scheduleFlagsNeedNoConfigFile() throws {
        let dir = try TempDir()
        try "sources:\n  - name: a\n".write(toFile: dir.path("s.yaml"), atomically: true, encoding: .utf8)
        var options = ServerOptions(archivePath: dir.path("a.sqlite"), configPath: dir.path("s.yaml"),
                                    environment: ["A_URL": "http://127.0.0.1:9", "A_AUTH_TYPE": "noAuth"])
        options.schedule = try SourceSchedule.make("@daily", timeZone: nil)
        #expect(throws: ServerStartError.self) { try ArchiveHTTPServer(options) }
    }
}
