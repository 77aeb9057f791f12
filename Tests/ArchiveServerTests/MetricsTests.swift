import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import Logging
import TTSClient
import TTSEmulator
@testable import ArchiveServer

/// `GET /metrics`: values after a success, a failure (emulator faults) and a restart.
@Suite struct MetricsTests {
    /// The samples of an exposition: `name{labels}` -> value.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    static let config = """
        sources:
          - name: prod
            service_name: text_to_speech
            schedule: "0 2 * * 1-5"
        targets:
          - name: standby
            service_name: restore_target
        scheduler:
          catch_up: false
        """

    @Test func metricsAfterASuccessAFailureAndARestart() async throws {
        // A Saturday: the weekday schedule expects three days (Friday 02:00 to Monday 02:00).
        let clock = ManualClock(utc("2026-12-05T12:00:00Z"))
        try await Harness.with(config: Self.config, clock: clock) { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 40, seed: 11))
            let scrape = try await h.call(.GET, "/metrics")
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type")?.hasPrefix("text/plain") == true)
            var m = Self.samples(scrape.text)
            // Counters start at 0 for every configured source and target; nothing ran, so no status yet.
            for family in ["snapshot", "drill", "forget"] {
                for what in ["attempts", "successes", "failures"] {
                    #expect(m["tts_archive_\(family)_\(what)_total{source=\"prod\"}"] == 0, "\(family) \(what)")
                }
            }
            for family in ["restore", "sync"] {
                #expect(m["tts_archive_\(family)_attempts_total{target=\"standby\"}"] == 0)
            }
            #expect(m["tts_archive_snapshot_last_success_timestamp_seconds{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_snapshot_last_status{source=\"prod\"}"] == nil)
            let interval = m["tts_archive_schedule_expected_interval_seconds{source=\"prod\"}"]
            #expect(interval == 259_200, "\(String(describing: interval))")
            #expect(m["tts_archive_operations_in_progress{kind=\"snapshot\"}"] == 0)
            #expect((m["tts_archive_archive_size_bytes"] ?? 0) > 0)
            #expect(!scrape.text.contains("http://"))  // no URL (nor anything secret) in a label

            // A success.
            let ok = try await h.call(.POST, "/v1/snapshots")
            _ = try await h.finished(try #require(ok.json["id"] as? String))
            m = Self.samples(try await h.call(.GET, "/metrics").text)
            #expect(m["tts_archive_snapshot_attempts_total{source=\"prod\"}"] == 1)
            #expect(m["tts_archive_snapshot_successes_total{source=\"prod\"}"] == 1)
            #expect(m["tts_archive_snapshot_failures_total{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_snapshot_last_status{source=\"prod\"}"] == 1)
            #expect(m["tts_archive_service_up{source=\"prod\"}"] == 1)
            #expect(m["tts_archive_snapshot_models{source=\"prod\"}"] == 3)
            #expect(m["tts_archive_snapshot_words{source=\"prod\"}"] == 40)
            #expect(m["tts_archive_snapshot_duration_seconds_count{source=\"prod\"}"] == 1)
            let success = try #require(m["tts_archive_snapshot_last_success_timestamp_seconds{source=\"prod\"}"])
            #expect(abs(success - Date().timeIntervalSince1970) < 600)
            #expect(m["tts_archive_operations_in_progress{kind=\"snapshot\"}"] == 0)

            // The CLI's `sync` (the core's Syncer, as `tts-archive sync` runs it) into the configured target: the
            // metric reads the pairing tables, whoever synced.
            #expect(m["tts_archive_sync_last_synced_snapshot_timestamp_seconds{target=\"standby\"}"] == 0)
            let latest = try await h.call(.GET, "/v1/snapshots/latest")
            let snapshotID = try #require(latest.json["id"] as? Int)
            let finishedAt = try #require(latest.json["finishedAt"] as? String)
            let store = try ArchiveStore(path: h.archive, access: .write)
            let target = try ServiceCredentials.forService("restore_target", environment: h.environment)
            try await TextToSpeechClient.withClient(credentials: target, configuration: ClientConfiguration(userAgent: "test"),
                                                    logger: Logger(label: "test")) { client in
                _ = try await Syncer(store: store, client: client).run(snapshot: Int64(snapshotID), options: SyncOptions())
            }
            m = Self.samples(try await h.call(.GET, "/metrics").text)
            #expect(m["tts_archive_sync_last_synced_snapshot_timestamp_seconds{target=\"standby\"}"]
                    == Scheduler.date(finishedAt)?.timeIntervalSince1970)

            // A failure: the service refuses the credentials.
            h.source.faults.failNext(count: 100, with: .status(401))
            let bad = try await h.call(.POST, "/v1/snapshots")
            let failed = try await h.finished(try #require(bad.json["id"] as? String))
            #expect(failed.json["status"] as? String == "Failed")
            h.source.faults.reset()
            m = Self.samples(try await h.call(.GET, "/metrics").text)
            #expect(m["tts_archive_snapshot_attempts_total{source=\"prod\"}"] == 2)
            #expect(m["tts_archive_snapshot_failures_total{source=\"prod\"}"] == 1)
            #expect(m["tts_archive_snapshot_last_status{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_service_up{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_snapshot_last_success_timestamp_seconds{source=\"prod\"}"] == success)
            let completion = try #require(m["tts_archive_snapshot_last_completion_timestamp_seconds{source=\"prod\"}"])
            #expect(completion >= success)

            // A restart: counters start again at 0; timestamps and statuses come back from the archive.
            await h.stop()
            try await h.start(configPath: h.dir.path("server.yaml"))
            m = Self.samples(try await h.call(.GET, "/metrics").text)
            #expect(m["tts_archive_snapshot_attempts_total{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_snapshot_last_status{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_service_up{source=\"prod\"}"] == 0)
            #expect(m["tts_archive_snapshot_last_success_timestamp_seconds{source=\"prod\"}"] == success)
            #expect(m["tts_archive_snapshot_last_completion_timestamp_seconds{source=\"prod\"}"] == completion)
            #expect(m["tts_archive_snapshot_models{source=\"prod\"}"] == 3)
        }
    }

    /// `service_up` follows every call to the source, not only snapshots: the live side of a diff moves it both ways.
    @Test func aLiveDiffMovesServiceUp() async throws {
        try await Harness.with(config: Self.config) { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 10, seed: 3))
            let ok = try await h.call(.POST, "/v1/snapshots")
            _ = try await h.finished(try #require(ok.json["id"] as? String))
            func up() async throws -> Double? {
                Self.samples(try await h.call(.GET, "/metrics").text)["tts_archive_service_up{source=\"prod\"}"]
            }
            #expect(try await up() == 1)

            h.source.faults.failNext(count: 100, with: .status(401))
            #expect(try await h.call(.GET, "/v1/diff?from=latest&to=live").status >= 400)
            #expect(try await up() == 0)

            h.source.faults.reset()
            #expect(try await h.call(.GET, "/v1/diff?from=latest&to=live").status == 200)
            #expect(try await up() == 1)
        }
    }

    @Test func metricsNeedTheTokenAsOtherReads() async throws {
        try await Harness.with(token: "s3cret-token") { h in
            #expect(try await h.call(.GET, "/metrics").status == 401)
            let ok = try await h.call(.GET, "/metrics", headers: [("Authorization", "Bearer s3cret-token")])
            #expect(ok.status == 200)
            #expect(ok.text.contains("tts_archive_snapshot_attempts_total{source=\"default\"} 0"))
            #expect(!ok.text.contains("s3cret"))
        }
    }
}
