import ArchiveCore
import Basics
import Cron
import Foundation
import Logging
import TTSClient

/// Runs each scheduled source's snapshots at its cron expression's firings (plus a random jitter), then its
/// retention rules (`keep:`, the core's retention as `forget` applies it, limited to that source), then a drill
/// when asked. Scheduled runs are ordinary operations (`trigger: schedule`) started through ``OperationCenter``:
/// one that finds the source's snapshot running is skipped with a log line. At most
/// ``SchedulerSettings/maxConcurrent`` runs at once. At start-up (``SchedulerSettings/catchUp``), a source whose
/// newest snapshot (whoever took it, the CLI included) is older than its schedule's expected interval runs once,
/// not once per missed firing. Pauses are rows of the archive (`schedule_pauses`): they survive restarts.
actor Scheduler {
    struct Entry: Sendable {
        var source: ServiceDirectory.Source
        var schedule: SourceSchedule
    }

    /// What `GET /v1/schedules` shows of one schedule.
    struct Status: Sendable {
        var source: String
        var schedule: SourceSchedule
        var paused: String?
        var lastRun: (id: String, status: String, at: String)?
        var lastSuccess: String?
        var nextRun: Date?
        var expectedInterval: TimeInterval?
        var overdue: Bool
    }

    let entries: [String: Entry]
    let order: [String]
    let settings: SchedulerSettings
    let clock: any SchedulerClock
    let center: OperationCenter
    let clients: ServiceClients
    let metrics: ServerMetrics?
    let notifier: Notifier
    let logger: Logger
    let archivePath: String
    let version: String
    private let store: ArchiveStore
    private var rows: ScheduleRows { ScheduleRows(store) }
    private let permits: AsyncSemaphore
    private var random: SplitMix64
    private var paused: [String: String]
    private var nextRuns: [String: Date] = [:]
    private var loops: [Task<Void, Never>] = []
    var baseURL: String

    // What tests read: runs in flight now, the most ever at once, runs ended, and the deadlines slept to (the
    // newest 100 of each source).
    private(set) var inFlight = 0
    /// Runs waiting for a permit (the bound reached).
    private(set) var waitingRuns = 0
    private(set) var peakInFlight = 0
    private(set) var completedRuns = 0
    private(set) var deadlines: [String: [Date]] = [:]
    private var changeWaiters: [CheckedContinuation<Void, Never>] = []

    init(directory: ServiceDirectory, schedules: [String: SourceSchedule], settings: SchedulerSettings,
         notify: NotificationSettings, clock: any SchedulerClock, center: OperationCenter, clients: ServiceClients,
         metrics: ServerMetrics?,
         archivePath: String, baseURL: String, version: String, logger: Logger, seed: UInt64 = UInt64.random(in: 0 ... .max)) throws {
        var entries: [String: Entry] = [:]
        for source in directory.sources {
            if let s = schedules[source.name] { entries[source.name] = Entry(source: source, schedule: s) }
        }
        self.entries = entries
        order = directory.sources.map(\.name).filter { entries[$0] != nil }
        self.settings = settings
        self.clock = clock
        self.center = center
        self.clients = clients
        self.metrics = metrics
        self.logger = logger
        self.archivePath = archivePath
        self.baseURL = baseURL
        self.version = version
        notifier = Notifier(settings: notify, logger: logger)
        store = try ArchiveStore(path: archivePath, access: .read)
        permits = AsyncSemaphore(permits: max(1, settings.maxConcurrent))
        random = SplitMix64(seed: seed)
        paused = try ScheduleRows(store).pauses()
    }

    var isEmpty: Bool { entries.isEmpty }

    func setBaseURL(_ url: String) { baseURL = url }

    /// Starts one loop per scheduled source (and the catch-up runs); returns at once.
    func start() {
        guard loops.isEmpty else { return }
        let now = clock.now()
        let latest = (try? rows.latestSnapshots()) ?? [:]
        for name in order {
            guard let entry = entries[name] else { continue }
            var catchUp = false
            if settings.catchUp, paused[name] == nil {
                catchUp = Self.isMissed(lastSuccess: entry.source.url.flatMap { latest[$0]?.finishedAt }, schedule: entry.schedule, now: now)
            }
            if entry.source.credentials == nil {
                logger.warning("schedule of source '\(name)' cannot run: \(entry.source.error ?? "no credentials")")
            }
            logger.info("schedule", metadata: ["source": "\(name)", "cron": "\(entry.schedule.cron.expression)",
                                               "timezone": "\(entry.schedule.timeZoneName)",
                                               "paused": "\(paused[name] != nil)", "catch_up": "\(catchUp)"])
            loops.append(Task { await self.loop(name, catchUp: catchUp, from: now) })
        }
    }

    /// Cancels the loops (a run in progress ends as its operation does: cancelled by the server's shutdown).
    func stop() {
        for task in loops { task.cancel() }
        loops = []
    }

    /// Whether a source's newest snapshot is older than its schedule's expected interval (or it has none).
    static func isMissed(lastSuccess: String?, schedule: SourceSchedule, now: Date) -> Bool {
        guard let interval = schedule.cron.expectedInterval(at: now) else { return false }
        guard let last = lastSuccess.flatMap(Self.date) else { return true }
        return now.timeIntervalSince(last) > interval
    }

    /// The archive's timestamps (`2026-12-04T02:00:00.123Z`, ``Timestamp/date(_:)``); other ISO 8601 forms
    /// through Foundation.
    static func date(_ stamp: String) -> Date? {
        if let date = Timestamp.date(stamp) { return date }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: stamp) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: stamp)
    }

    /// A delay in [0, jitter] seconds, whole milliseconds.
    func jitter() -> TimeInterval {
        guard settings.jitter > 0 else { return 0 }
        let ms = Int(settings.jitter * 1000)
        return TimeInterval(random.below(ms + 1)) / 1000
    }

    private func loop(_ name: String, catchUp: Bool, from start: Date) async {
        guard let entry = entries[name] else { return }
        if catchUp {
            logger.info("scheduled snapshot: catching up a missed run", metadata: ["source": "\(name)"])
            await run(entry)
        }
        var after = start
        while !Task.isCancelled {
            guard let fire = entry.schedule.cron.next(after: after) else { return }
            let deadline = fire.addingTimeInterval(jitter())
            nextRuns[name] = deadline
            deadlines[name, default: []].append(deadline)
            if deadlines[name]!.count > 100 { deadlines[name]!.removeFirst() }  // a long-lived server keeps a few
            changed()
            do { try await clock.sleep(until: deadline) } catch { return }
            if Task.isCancelled { return }
            if paused[name] != nil {
                logger.info("scheduled snapshot skipped: the schedule is paused", metadata: ["source": "\(name)"])
            } else {
                await run(entry)
            }
            // A run longer than the interval skips the firings it overlapped, rather than running them back to back.
            after = max(fire, clock.now())
        }
    }

    /// One scheduled run: the snapshot (with the retention after it), then the drill; bounded by the permits.
    private func run(_ entry: Entry) async {
        waitingRuns += 1
        changed()
        do {
            try await permits.acquire()
            waitingRuns -= 1
        } catch {
            waitingRuns -= 1
            return
        }
        inFlight += 1
        peakInFlight = max(peakInFlight, inFlight)
        changed()
        defer {
            inFlight -= 1
            completedRuns += 1
            changed()
        }
        let name = entry.source.name
        guard let credentials = entry.source.credentials else {
            logger.warning("scheduled snapshot skipped: \(entry.source.error ?? "no credentials")", metadata: ["source": "\(name)"])
            await permits.release()
            return
        }
        let canonical = Handlers.canonical(["source": name])
        let spec = OperationSpec(kind: "snapshot", source: name, request: canonical,
                                 requestHash: OperationCenter.hash(kind: "snapshot", canonical: canonical),
                                 job: snapshotJob(entry, credentials: credentials), trigger: .schedule)
        guard let snapshot = await startAndWait(spec, what: "snapshot", source: name) else {
            await permits.release()
            return
        }
        if entry.schedule.drill, snapshot.status == .succeeded, let id = snapshot.snapshot {
            let request = Handlers.canonical(["snapshot": String(id), "source": name])
            let drill = OperationSpec(kind: "drill", source: name, snapshot: id, request: request,
                                      requestHash: OperationCenter.hash(kind: "drill", canonical: request),
                                      job: jobs.drill(snapshot: id, filter: ModelFilter()), trigger: .schedule)
            _ = await startAndWait(drill, what: "drill", source: name)
        }
        await permits.release()
    }

    private func startAndWait(_ spec: OperationSpec, what: String, source: String) async -> OperationRecord? {
        let id: String
        do {
            switch try await center.start(spec, clientID: nil) {
            case .started(let o), .existing(let o): id = o.id
            }
        } catch {
            logger.info("scheduled \(what) skipped: \(error.message)", metadata: ["source": "\(source)"])
            return nil
        }
        await center.wait(id)
        guard let record = try? await center.get(id) else { return nil }
        notifier.report(record, baseURL: baseURL)
        return record
    }

    var jobs: OperationJobs {
        OperationJobs(archivePath: archivePath, clients: clients, logger: logger, baseURL: baseURL)
    }

    /// The snapshot job, then the source's retention rules on its snapshots (a failed retention is a warning of
    /// the snapshot, which succeeded, and counts in the forget metrics).
    private func snapshotJob(_ entry: Entry, credentials: ServiceCredentials) -> @Sendable (JobContext) async throws -> JobOutcome {
        let jobs = self.jobs
        let snapshot = jobs.snapshot(source: entry.source, credentials: credentials, options: SnapshotOptions())
        guard let keep = entry.schedule.keep, let url = entry.source.url else { return snapshot }
        let metrics = self.metrics, name = entry.source.name, archivePath = self.archivePath
        return { context in
            var outcome = try await snapshot(context)
            guard outcome.failure == nil else { return outcome }
            var forget: [String: Any]
            do {
                let forgotten: [Int64] = try await jobs.writing(context, purpose: "forget") {
                    let store = try ArchiveStore(path: archivePath, access: .write)
                    let maintenance = ArchiveMaintenance(store)
                    let plan = try maintenance.plan(keep, sourceURL: url, unknownTagsAllowed: true)
                    let doomed = plan.filter { !$0.keep }.map(\.snapshot)
                    if doomed.isEmpty { return [] }
                    return try maintenance.forget(doomed, vacuum: false).forgotten
                }
                metrics?.forgetEnded(source: name, succeeded: true)
                forget = ["status": "succeeded", "forgotten": forgotten]
            } catch {
                if error is CancellationError { throw error }
                metrics?.forgetEnded(source: name, succeeded: false)
                let message = "retention (keep) after the snapshot failed: \(error)"
                outcome.warnings.append(message)
                forget = ["status": "failed", "error": message]
            }
            if let data = outcome.result, var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
                object["forget"] = forget
                outcome.result = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            }
            return outcome
        }
    }

    // MARK: pause, status

    func pause(_ source: String) throws(APIError) -> Status {
        try scheduled(source)
        do { paused[source] = try rows.pause(source) } catch { throw APIError.from(error) }
        logger.info("schedule paused", metadata: ["source": "\(source)"])
        return status(source)!
    }

    func resume(_ source: String) throws(APIError) -> Status {
        try scheduled(source)
        do { try rows.resume(source) } catch { throw APIError.from(error) }
        paused[source] = nil
        logger.info("schedule resumed", metadata: ["source": "\(source)"])
        return status(source)!
    }

    private func scheduled(_ source: String) throws(APIError) {
        guard entries[source] != nil else {
            let names = order.isEmpty ? "this server has no schedules" : "schedules are: \(order.joined(separator: ", "))"
            throw .notFound("no schedule for source '\(source)'; \(names)", target: "source")
        }
    }

    func statuses() -> [Status] {
        let latest = (try? rows.latestSnapshots()) ?? [:]
        return order.compactMap { status($0, latest: latest) }
    }

    func status(_ name: String, latest: [String: ScheduleRows.LatestSnapshot]? = nil) -> Status? {
        guard let entry = entries[name] else { return nil }
        let now = clock.now()
        let latest = latest ?? ((try? rows.latestSnapshots()) ?? [:])
        let lastSuccess = entry.source.url.flatMap { latest[$0]?.finishedAt }
        let interval = entry.schedule.cron.expectedInterval(at: now)
        var overdue = false
        if let interval {
            if let last = lastSuccess.flatMap(Self.date) {
                overdue = now.timeIntervalSince(last) > 1.5 * interval
            } else {
                overdue = true
            }
        }
        let last = try? rows.lastScheduledRun(source: name)
        return Status(source: name, schedule: entry.schedule, paused: paused[name], lastRun: last ?? nil, lastSuccess: lastSuccess,
                      nextRun: nextRuns[name] ?? entry.schedule.cron.next(after: now), expectedInterval: interval, overdue: overdue)
    }

    // MARK: tests

    private func changed() {
        let waiters = changeWaiters
        changeWaiters = []
        for w in waiters { w.resume() }
    }

    /// Returns once `condition` holds, checked after each change of the scheduler's state (a run started or
    /// ended, a firing waited for): tests wait on it instead of sleeping.
    func until(_ condition: @Sendable (isolated Scheduler) -> Bool) async {
        while !condition(self) {
            await withCheckedContinuation { changeWaiters.append($0) }
        }
    }

    func drainNotifications() async { await notifier.drain() }
}
