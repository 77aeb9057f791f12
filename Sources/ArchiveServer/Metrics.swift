import ArchiveCore
import Foundation
import Logging
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`), in swift-prometheus's registry.
///
/// - Counters (`tts_archive_{snapshot,restore,sync,drill,forget}_{attempts,successes,failures}_total`) count what
///   this process ran; they start at 0 for every configured source (snapshot, drill, forget; label `source`) and
///   target (restore, sync; label `target`, the configured name).
/// - Timestamps and last-status gauges are rebuilt from the archive at start-up (operations are rows), so a
///   restart does not look like a fresh, healthy system; the snapshot timestamps, counts and the archive size are
///   read from the archive at each scrape, so snapshots the CLI took count too, as do the CLI's syncs
///   (`tts_archive_sync_last_synced_snapshot_timestamp_seconds`, from the sync pairing tables).
/// - A last-status gauge (1 when the last run succeeded, else 0) and `service_up` exist once there is a run to
///   tell: "never ran" is no failure. `service_up` follows every call to a source: snapshots, rollbacks and the
///   live side of a diff.
/// Labels are configured names only: never a URL or a credential.
final class ServerMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    let logger: Logger
    private let lock = NSLock()
    private let store: ArchiveStore
    private let archivePath: String
    /// Source name -> redacted URL (the archive's key).
    private let sourceURLs: [String: String]
    /// Configured target name -> redacted URL (sync pairings are keyed by it).
    private let targetURLs: [String: String]
    private let schedules: [String: SourceSchedule]
    private let now: @Sendable () -> Date

    static let kinds: [(kind: String, label: String)] = [
        ("snapshot", "source"), ("restore", "target"), ("sync", "target"), ("drill", "source"), ("forget", "source"),
    ]
    static let operationKinds = ["snapshot", "restore", "drill", "rollback", "sync"]

    /// Timestamps and statuses this process knows (rebuilt from the archive, then moved by operations).
    private var lastSuccess: [String: Double] = [:]
    private var lastCompletion: [String: Double] = [:]
    /// Each schedule's expected interval, valid until its next firing (cron arithmetic is the scrape's costliest part).
    private var intervals: [String: (until: Date, seconds: TimeInterval)] = [:]

    init(store: ArchiveStore, archivePath: String, sources: [String: String], targets: [String: String],
         schedules: [String: SourceSchedule], now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.archivePath = archivePath
        sourceURLs = sources
        targetURLs = targets
        self.schedules = schedules
        self.now = now
        self.logger = logger
        for (kind, label) in Self.kinds {
            for name in (label == "source" ? Array(sources.keys) : Array(targets.keys)).sorted() {
                for what in ["attempts", "successes", "failures"] { _ = counter(kind, what, label: label, name: name) }
                _ = gauge("\(kind)_last_success_timestamp_seconds", label: label, name: name)
                _ = gauge("\(kind)_last_completion_timestamp_seconds", label: label, name: name)
            }
        }
        for name in sources.keys.sorted() {
            _ = durationHistogram(source: name)
            _ = gauge("snapshot_models", label: "source", name: name)
            _ = gauge("snapshot_words", label: "source", name: name)
        }
        for name in schedules.keys.sorted() { _ = gauge("schedule_expected_interval_seconds", label: "source", name: name) }
        for name in targets.keys.sorted() { _ = gauge("sync_last_synced_snapshot_timestamp_seconds", label: "target", name: name) }
        for kind in Self.operationKinds {
            _ = registry.makeGauge(descriptor: Self.descriptor("operations_in_progress", help: "Operations running now, by kind."),
                                   labels: [("kind", kind)])
        }
        _ = registry.makeGauge(descriptor: Self.descriptor("archive_size_bytes", help: "The archive file and its write-ahead log."))
        rebuild()
    }

    // MARK: families

    static let help: [String: String] = [
        "attempts": "Runs started", "successes": "Runs that succeeded", "failures": "Runs that failed or were canceled",
    ]

    static func descriptor(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tts_archive", metricName: name, unitName: "", helpText: help)
    }

    private func counter(_ kind: String, _ what: String, label: String, name: String) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor("\(kind)_\(what)_total", help: "\(Self.help[what] ?? what) (\(kind))."),
                             labels: [(label, name)])
    }

    private static let gaugeHelp: [String: String] = [
        "last_success_timestamp_seconds": "When the last successful run ended (Unix time; 0: never).",
        "last_completion_timestamp_seconds": "When the last run ended, whatever its outcome (Unix time; 0: never).",
        "last_status": "1 when the last run succeeded, else 0.",
        "snapshot_models": "Models in the newest snapshot.",
        "snapshot_words": "Words in the newest snapshot.",
        "schedule_expected_interval_seconds": "Seconds between the schedule's previous and next firing.",
        "sync_last_synced_snapshot_timestamp_seconds": "When the snapshot the target last equalled was taken (Unix time).",
        "service_up": "1 when the last call to the source succeeded, else 0.",
    ]

    private var gauges: [String: Gauge] = [:]
    private let gaugesLock = NSLock()

    private func gauge(_ family: String, label: String, name: String) -> Gauge {
        let key = "\(family)\n\(name)"
        if let g = gaugesLock.withLock({ gauges[key] }) { return g }
        let help = Self.gaugeHelp.first { family.hasSuffix($0.key) }?.value ?? family
        let g = registry.makeGauge(descriptor: Self.descriptor(family, help: help), labels: [(label, name)])
        gaugesLock.withLock { gauges[key] = g }
        return g
    }

    private func durationHistogram(source: String) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor("snapshot_duration_seconds", help: "How long snapshots took."),
                                       labels: [("source", source)],
                                       buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200].map { .seconds($0) })
    }

    static func seconds(_ stamp: String?) -> Double? { stamp.flatMap(Scheduler.date).map(\.timeIntervalSince1970) }

    // MARK: moving

    /// The label of an operation's row for its kind (nil: this kind has no per-name families, or no name).
    private static func labelled(_ o: OperationRecord) -> (label: String, name: String)? {
        guard let label = kinds.first(where: { $0.kind == o.kind })?.label else { return nil }
        guard let name = label == "source" ? o.source : o.target else { return nil }
        return (label, name)
    }

    /// An operation started (`Running`) or ended: counters, in-progress, timestamps, statuses.
    func observe(_ o: OperationRecord) {
        let inProgress = registry.makeGauge(descriptor: Self.descriptor("operations_in_progress", help: "Operations running now, by kind."),
                                            labels: [("kind", o.kind)])
        let labelled = Self.labelled(o)
        if !o.status.isTerminal {
            inProgress.increment()
            if let (label, name) = labelled { counter(o.kind, "attempts", label: label, name: name).increment() }
            return
        }
        inProgress.decrement()
        guard let (label, name) = labelled else {
            if o.kind == "rollback", let source = o.source { serviceUp(source, from: o.status.rawValue, code: o.errorCode) }
            return
        }
        let endedAt = Self.seconds(o.lastActionAt) ?? now().timeIntervalSince1970
        counter(o.kind, o.status == .succeeded ? "successes" : "failures", label: label, name: name).increment()
        ended(o.kind, label: label, name: name, succeeded: o.status == .succeeded, at: endedAt)
        if o.kind == "snapshot", let start = Self.seconds(o.createdAt) {
            durationHistogram(source: name).record(.milliseconds(Int64(max(0, endedAt - start) * 1000)))
            serviceUp(name, from: o.status.rawValue, code: o.errorCode)
        }
    }

    /// The retention after a scheduled snapshot ended.
    func forgetEnded(source: String, succeeded: Bool) {
        counter("forget", "attempts", label: "source", name: source).increment()
        counter("forget", succeeded ? "successes" : "failures", label: "source", name: source).increment()
        ended("forget", label: "source", name: source, succeeded: succeeded, at: now().timeIntervalSince1970)
    }

    private func ended(_ kind: String, label: String, name: String, succeeded: Bool, at: Double) {
        let key = "\(kind)\n\(name)"
        lock.withLock {
            lastCompletion[key] = max(lastCompletion[key] ?? 0, at)
            if succeeded { lastSuccess[key] = max(lastSuccess[key] ?? 0, at) }
        }
        gauge("\(kind)_last_status", label: label, name: name).set(to: succeeded ? 1 : 0)
        gauge("\(kind)_last_completion_timestamp_seconds", label: label, name: name).set(to: lock.withLock { lastCompletion[key] ?? 0 })
        gauge("\(kind)_last_success_timestamp_seconds", label: label, name: name).set(to: lock.withLock { lastSuccess[key] ?? 0 })
    }

    /// A call to a source outside an operation (the live side of `GET /v1/diff`) was answered, or failed.
    func sourceAnswered(_ source: String, error: Error?) {
        guard let error else { return serviceUp(source, from: "Succeeded", code: nil) }
        serviceUp(source, from: "Failed", code: OperationOutcome.error(error).code)
    }

    /// Failures that say the service was not reached or refused us; others (a locked archive) say nothing of it.
    private func serviceUp(_ source: String, from status: String, code: String?) {
        let up: Double
        if status == "Succeeded" {
            up = 1
        } else if ["service_unavailable", "credentials_refused", "service_error", "not_found"].contains(code ?? "") {
            up = 0
        } else {
            return
        }
        gauge("service_up", label: "source", name: source).set(to: up)
    }

    // MARK: the archive

    /// Last statuses and timestamps from the archive's operation rows (after a restart).
    private func rebuild() {
        do {
            let rows = ScheduleRows(store)
            for s in try rows.operationSummaries() {
                guard let label = Self.kinds.first(where: { $0.kind == s.kind })?.label else {
                    if s.kind == "rollback", sourceURLs[s.name] != nil { serviceUp(s.name, from: s.lastStatus, code: s.lastErrorCode) }
                    continue
                }
                let known = label == "source" ? sourceURLs[s.name] != nil : targetURLs[s.name] != nil
                guard known, let at = Self.seconds(s.lastEndedAt) else { continue }
                // The newest success first, then the newest end with its status (the last-status gauge's value).
                if let success = Self.seconds(s.lastSuccessAt) {
                    ended(s.kind, label: label, name: s.name, succeeded: true, at: success)
                }
                ended(s.kind, label: label, name: s.name, succeeded: s.lastStatus == "Succeeded", at: at)
                if s.kind == "snapshot" { serviceUp(s.name, from: s.lastStatus, code: s.lastErrorCode) }
            }
            for (source, f) in try rows.forgetSummaries() where sourceURLs[source] != nil {
                if let success = Self.seconds(f.lastSuccessAt) {
                    ended("forget", label: "source", name: source, succeeded: true, at: success)
                }
                if let at = Self.seconds(f.at) {
                    ended("forget", label: "source", name: source, succeeded: f.status == "succeeded", at: at)
                }
            }
        } catch {
            logger.error("metrics: cannot read the operations of the archive: \(error)")
        }
    }

    /// Reads what the archive says now (snapshots whoever took them, sync pairings, size) into the gauges.
    func refresh() {
        lock.withLock {
            do {
                let rows = ScheduleRows(store)
                let latest = try rows.latestSnapshots()
                for (name, url) in sourceURLs {
                    guard let s = latest[url] else { continue }
                    gauge("snapshot_models", label: "source", name: name).set(to: Double(s.models))
                    gauge("snapshot_words", label: "source", name: name).set(to: Double(s.words))
                    if let at = Self.seconds(s.finishedAt) {
                        let key = "snapshot\n\(name)"
                        lastSuccess[key] = max(lastSuccess[key] ?? 0, at)
                        lastCompletion[key] = max(lastCompletion[key] ?? 0, at)
                        gauge("snapshot_last_success_timestamp_seconds", label: "source", name: name).set(to: lastSuccess[key]!)
                        gauge("snapshot_last_completion_timestamp_seconds", label: "source", name: name).set(to: lastCompletion[key]!)
                    }
                }
                let synced = try rows.syncedTargets()
                for (name, url) in targetURLs {
                    guard let s = synced[url], let at = Self.seconds(s.snapshotFinishedAt ?? s.syncedAt) else { continue }
                    gauge("sync_last_synced_snapshot_timestamp_seconds", label: "target", name: name).set(to: at)
                }
            } catch {
                logger.error("metrics: cannot read the archive: \(error)")
            }
        }
        let instant = now()
        for (name, schedule) in schedules {
            if let cached = lock.withLock({ intervals[name] }), instant < cached.until { continue }
            guard let interval = schedule.cron.expectedInterval(at: instant), let next = schedule.cron.next(after: instant) else { continue }
            lock.withLock { intervals[name] = (next, interval) }
            gauge("schedule_expected_interval_seconds", label: "source", name: name).set(to: interval)
        }
        registry.makeGauge(descriptor: Self.descriptor("archive_size_bytes", help: "The archive file and its write-ahead log."))
            .set(to: Double(ScheduleRows.sizeOnDisk(path: archivePath)))
    }

    /// The exposition (Prometheus text format 0.0.4), fresh from the archive.
    func scrape() -> [UInt8] {
        refresh()
        return registry.emitToBuffer()
    }
}
