import Foundation

/// The time the scheduler reads and waits on: the system's in production, a manual one in tests (advanced by
/// the test: no sleeping tests), or a faster one for the end-to-end script (`serve --schedule-clock-speed`).
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns once `now()` has reached `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// Wall-clock time. Waits in steps of at most a minute, so a wall clock set forward or back (NTP, a suspended
/// machine) is noticed within a minute rather than after the whole wait.
public struct SystemSchedulerClock: SchedulerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(min(left, 60) * 1000) + 1))
        }
    }
}

/// Time that runs `speed` times faster than the wall clock from the moment it is made (the end-to-end test's
/// "every minute" schedule fires every second at speed 60). Test-only: `serve --schedule-clock-speed` is hidden.
public struct FastSchedulerClock: SchedulerClock {
    let start = Date()
    let origin: Date
    let speed: Double
    public init(speed: Double, origin: Date = Date()) {
        self.speed = max(speed, 1)
        self.origin = origin
    }
    public func now() -> Date { origin.addingTimeInterval(Date().timeIntervalSince(start) * speed) }
    public func sleep(until deadline: Date) async throws {
        while true {
            let left = deadline.timeIntervalSince(now()) / speed
            if left <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(min(left, 60) * 1000) + 1))
        }
    }
}
