import ArchiveCore
import Foundation
import Hummingbird
import Logging
import TestSupport
import Testing
import TTSAPI
import TTSEmulator
@testable import ArchiveServer

/// A webhook receiver on 127.0.0.1: keeps each body; with `holding`, answers nothing until ``release()``.
final class WebhookReceiver: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Data] = []
    private var arrivalWaiters: [CheckedContinuation<Void, Never>] = []
    private var gate: [CheckedContinuation<Void, Never>] = []
    private var open: Bool
    private var task: Task<Void, any Error>?
    var bodies: [[String: Any]] { lock.withLock { received }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] } }

    init(holding: Bool = false) { open = !holding }

    func start() async throws -> String {
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.arrived(Data(body.readableBytesView))
            await self.passGate()
            return .ok
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
                              logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        return "http://127.0.0.1:\(port)/hook"
    }

    func stop() async {
        release()
        task?.cancel()
        _ = try? await task?.value
    }

    private func arrived(_ body: Data) {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            received.append(body)
            defer { arrivalWaiters = [] }
            return arrivalWaiters
        }
        for w in waiters { w.resume() }
    }

    private func passGate() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { open ? true : { gate.append(c); return false }() }
            if now { c.resume() }
        }
    }

    func release() {
        let waiting = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            open = true
            defer { gate = [] }
            return gate
        }
        for c in waiting { c.resume() }
    }

    /// Returns once a body has arrived.
    func reached() async {
        while lock.withLock({ received.isEmpty }) {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = lock.withLock { received.isEmpty ? { arrivalWaiters.append(c); return false }() : true }
                if now { c.resume() }
            }
        }
    }
}

/// Notifications of scheduled runs: a webhook (JSON) and a command; a webhook that is down or hangs never blocks
/// or fails the run.
@Suite struct NotificationTests {
    static func config(webhook: String, command: String? = nil, on: String = "failure", retries: Int = 0, timeout: String = "30s") -> String {
        """
        sources:
          - name: prod
            service_name: text_to_speech
            schedule: "*/15 * * * *"
        scheduler:
          catch_up: false
        notify:
          webhook: \(webhook)
          on: \(on)
          timeout: \(timeout)
          retries: \(retries)
        \(command.map { "  command: [\"/bin/sh\", \"-c\", \"cat > \($0)\"]" } ?? "")
        """
    }

    @Test func aFailedScheduledRunCallsTheWebhookAndTheCommand() async throws {
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let dir = try TempDir()
        let out = dir.path("notified.json")
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: Self.config(webhook: url, command: out), clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 12))
            let scheduler = h.server.scheduler
            // The first run succeeds: with `on: failure`, nobody is told.
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            clock.advance(to: utc("2026-12-04T10:15:00Z"))
            await scheduler.until { $0.completedRuns == 1 && $0.deadlines["prod"]?.count == 2 }
            await scheduler.drainNotifications()
            #expect(receiver.bodies.isEmpty)

            h.source.faults.failNext(count: 100, with: .status(401))
            clock.advance(to: utc("2026-12-04T10:30:00Z"))
            await scheduler.until { $0.completedRuns == 2 }
            await scheduler.drainNotifications()
            let body = try #require(receiver.bodies.first)
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            let failed = try #require(ops.first { $0["status"] as? String == "Failed" })
            #expect(body["operationId"] as? String == failed["id"] as? String)
            #expect(body["kind"] as? String == "snapshot")
            #expect(body["source"] as? String == "prod")
            #expect(body["status"] as? String == "Failed")
            #expect(body["trigger"] as? String == "schedule")
            #expect((body["error"] as? [String: Any])?["code"] as? String == "credentials_refused")
            #expect((body["links"] as? [String: Any])?["operation"] as? String == "\(h.base)/v1/operations/\(failed["id"] as? String ?? "")")
            let fromCommand = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
            #expect(fromCommand?["operationId"] as? String == failed["id"] as? String)
        }
        await receiver.stop()
    }

    @Test func aWebhookThatHangsOrIsDownNeverBlocksTheRun() async throws {
        let receiver = WebhookReceiver(holding: true)
        let url = try await receiver.start()
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: Self.config(webhook: url, on: "always"), clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 13))
            let scheduler = h.server.scheduler
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            clock.advance(to: utc("2026-12-04T10:15:00Z"))
            await receiver.reached()  // the webhook got the report and holds it unanswered...
            // ...while the run has ended, Succeeded, and the scheduler waits for the next firing.
            await scheduler.until { $0.completedRuns == 1 && $0.deadlines["prod"]?.count == 2 }
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            #expect(ops.first?["status"] as? String == "Succeeded")
            receiver.release()
            await scheduler.drainNotifications()
        }
        await receiver.stop()

        // Down: nothing listens (port 9, discard, is not served here); the run still ends as it would, and the
        // failure is logged. (AsyncHTTPClient retries a refused connection until the attempt's timeout.)
        let down = "http://127.0.0.1:9/hook"
        let clock2 = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: Self.config(webhook: down, on: "always", retries: 1, timeout: "1s"), clock: clock2) { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 14))
            let scheduler = h.server.scheduler
            await scheduler.until { $0.deadlines["prod"]?.count == 1 }
            clock2.advance(to: utc("2026-12-04T10:15:00Z"))
            await scheduler.until { $0.completedRuns == 1 }
            let ops = try await h.call(.GET, "/v1/operations").json["value"] as? [[String: Any]] ?? []
            #expect(ops.first?["status"] as? String == "Succeeded")
            await scheduler.drainNotifications()
            #expect(h.log.lines.contains { $0.contains("notification given up") })
            #expect(!h.log.lines.contains { $0.contains(down) })  // the URL may hold a secret: only its host is logged
        }
    }
}
