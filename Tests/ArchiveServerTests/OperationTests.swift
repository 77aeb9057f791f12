import ArchiveCore
import Foundation
import Logging
import TestSupport
import Testing
import TTSAPI
import TTSEmulator
@testable import ArchiveServer

/// Long-running operations: idempotency, one job per source or target, cancel, restart, resume, the run lock.
/// Jobs are stopped at exact requests with the emulator's ``RequestHold``: no sleeps, no timing.
@Suite struct OperationTests {
    @Test func operationIdMakesARepeatIdempotent() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 2, words: 40, seed: 2))
            let header = [("Operation-Id", "nightly-2026-12-04")]
            let first = try await h.call(.POST, "/v1/snapshots", json: ["tags": ["nightly"]], headers: header)
            #expect(first.status == 202)
            #expect(first.json["id"] as? String == "nightly-2026-12-04")
            _ = try await h.finished("nightly-2026-12-04")

            let again = try await h.call(.POST, "/v1/snapshots", json: ["tags": ["nightly"]], headers: header)
            #expect(again.status == 200)
            #expect(again.json["id"] as? String == "nightly-2026-12-04")
            #expect(again.json["status"] as? String == "Succeeded")
            #expect(again.header("Operation-Location") == "\(h.base)/v1/operations/nightly-2026-12-04")

            let other = try await h.call(.POST, "/v1/snapshots", json: ["tags": ["other"]], headers: header)
            #expect(other.status == 409)
            #expect(other.error["target"] as? String == "Operation-Id")
            let otherKind = try await h.call(.POST, "/v1/drills", json: ["tags": ["nightly"]], headers: header)
            #expect(otherKind.status == 400)  // an unknown field of a drill request, before anything else
            let drillSameID = try await h.call(.POST, "/v1/drills", headers: header)
            #expect(drillSameID.status == 409)
            #expect(try await h.call(.POST, "/v1/snapshots", headers: [("Operation-Id", "no spaces")]).status == 400)

            // One snapshot was made, not two.
            #expect((try await h.call(.GET, "/v1/snapshots").json["value"] as? [Any])?.count == 1)
        }
    }

    @Test func secondSnapshotOfASourceIsRefusedAndCancelWritesNothing() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 4, words: 200, seed: 3))
            let hold = h.source.faults.hold("GET", .prefix("/v1/customizations/"), skip: 1)
            let started = try await h.call(.POST, "/v1/snapshots")
            let id = try #require(started.json["id"] as? String)
            await hold.reached()  // the snapshot waits on its 2nd get-model

            let second = try await h.call(.POST, "/v1/snapshots")
            #expect(second.status == 409)
            #expect((second.error["message"] as? String)?.contains(id) == true)
            #expect(second.error["target"] as? String == "source")
            // Reads never wait for a running snapshot.
            #expect(try await h.call(.GET, "/v1/snapshots").status == 200)
            let running = try await h.call(.GET, "/v1/operations/\(id)")
            #expect(running.json["status"] as? String == "Running")
            #expect(running.header("Retry-After") == "1")
            let pending = try await h.call(.GET, "/v1/operations/\(id)/result")
            #expect(pending.status == 202)
            #expect(pending.header("Operation-Location") == "\(h.base)/v1/operations/\(id)")

            let cancel = try await h.call(.POST, "/v1/operations/\(id):cancel")
            #expect(cancel.status == 200)
            await hold.release()
            let ended = try await h.finished(id)
            #expect(ended.json["status"] as? String == "Canceled")
            #expect((ended.json["error"] as? [String: Any])?["code"] as? String == "canceled")
            #expect((try await h.call(.GET, "/v1/snapshots").json["value"] as? [Any])?.isEmpty == true)
            let result = try await h.call(.GET, "/v1/operations/\(id)/result")
            #expect(result.status == 200)
            #expect(result.error["code"] as? String == "canceled")

            // The source is free again.
            let third = try await h.call(.POST, "/v1/snapshots")
            #expect(third.status == 202)
            #expect(try await h.finished(try #require(third.json["id"] as? String)).json["status"] as? String == "Succeeded")
            #expect(try await h.call(.POST, "/v1/operations/nope:cancel").status == 404)
        }
    }

    /// Tags need no run lock: while a snapshot operation is held mid-fetch (its lock and this server's writer gate
    /// held), PUT and DELETE of a tag answer at once, and so they do while another process holds the run lock.
    @Test func tagsAnswerWhileASnapshotIsHeldMidFetch() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 4, words: 200, seed: 5))
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            _ = h.source.applyNight(seed: 2)
            let hold = h.source.faults.hold("GET", .prefix("/v1/customizations/"), skip: 1)
            let started = try await h.call(.POST, "/v1/snapshots")
            let id = try #require(started.json["id"] as? String)
            await hold.reached()  // the second snapshot has fetched a model and waits on the next

            let put = try await h.call(.PUT, "/v1/snapshots/1/tags/during-snapshot")
            #expect(put.status == 200, "\(put.text)")
            #expect(put.json["tags"] as? [String] == ["during-snapshot"])
            let delete = try await h.call(.DELETE, "/v1/snapshots/1/tags/during-snapshot")
            #expect(delete.status == 200, "\(delete.text)")
            #expect(delete.json["tags"] as? [String] == [])
            #expect(try await h.call(.PUT, "/v1/snapshots/latest/tags/kept").json["tags"] as? [String] == ["kept"])
            #expect(try await h.call(.GET, "/v1/operations/\(id)").json["status"] as? String == "Running")

            await hold.release()
            #expect(try await h.finished(id).json["status"] as? String == "Succeeded")
            #expect(try await h.call(.GET, "/v1/snapshots/kept").json["id"] as? Int == 1)

            // Another process's run lock (a cron snapshot) does not stop a tag either.
            let lock = try ArchiveLock(archivePath: h.archive, purpose: "cron snapshot")
            let locked = try await h.call(.PUT, "/v1/snapshots/2/tags/under-lock")
            withExtendedLifetime(lock) {}
            #expect(locked.status == 200, "\(locked.text)")
            let store = try ArchiveStore(path: h.archive, access: .read)
            #expect(try ArchiveChecker(store).run().problems.isEmpty)
        }
    }

    @Test func heldRunLockFailsTheJobWithLocked() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 1))
            let lock = try ArchiveLock(archivePath: h.archive, purpose: "cron snapshot")
            let started = try await h.call(.POST, "/v1/snapshots")
            let ended = try await h.finished(try #require(started.json["id"] as? String))
            withExtendedLifetime(lock) {}
            #expect(ended.json["status"] as? String == "Failed")
            let error = try #require(ended.json["error"] as? [String: Any])
            #expect(error["code"] as? String == "locked")
            #expect((error["message"] as? String)?.contains("cron snapshot") == true)
        }
    }

    @Test func restoreDrillAndOperationListing() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 150, seed: 7))
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))

            let drill = try await h.call(.POST, "/v1/drills", json: ["snapshot": "latest"])
            #expect(drill.status == 202)
            let drilled = try await h.finished(try #require(drill.json["id"] as? String))
            #expect(drilled.json["status"] as? String == "Succeeded")
            #expect((drilled.json["result"] as? [String: Any])?["status"] as? String == "passed")

            let restore = try await h.call(.POST, "/v1/restores", json: ["snapshot": "latest", "target": "restore_target"])
            #expect(restore.status == 202)
            let id = try #require(restore.json["id"] as? String)
            let restored = try await h.finished(id)
            #expect(restored.json["status"] as? String == "Succeeded")
            #expect(restored.json["restoreRun"] as? Int == 1)
            let report = try #require(restored.json["result"] as? [String: Any])
            #expect((report["models"] as? [Any])?.count == 3)
            #expect(h.target.defaultInstance.listModels().count == 3)

            let unknownTarget = try await h.call(.POST, "/v1/restores", json: ["target": "../etc"])
            #expect(unknownTarget.status == 400)
            #expect(unknownTarget.error["target"] as? String == "target")

            let restores = try await h.call(.GET, "/v1/operations?kind=restore")
            #expect((restores.json["value"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let all = try await h.call(.GET, "/v1/operations?top=2")
            #expect((all.json["value"] as? [Any])?.count == 2)
            #expect(all.json["nextLink"] as? String == "\(h.base)/v1/operations?top=2&skip=2")
            #expect(try await h.call(.GET, "/v1/operations?status=Sideways").status == 400)

            // A restore into a target that now has models fails with a code saying so.
            let again = try await h.call(.POST, "/v1/restores", json: ["target": "restore_target"])
            let failed = try await h.finished(try #require(again.json["id"] as? String))
            #expect(failed.json["status"] as? String == "Failed")
            #expect((failed.json["error"] as? [String: Any])?["code"] as? String == "target_not_empty")
            #expect(try await h.call(.POST, "/v1/operations/\(id):resume").status == 409)
            #expect(try await h.call(.POST, "/v1/operations/\(try #require(drill.json["id"] as? String)):resume").status == 400)
        }
    }

    /// A snapshot source with fixed content, for entries the service would refuse.
    struct FixedSource: ModelSource {
        let models: [CustomModel]
        var sourceDescription: SourceDescription { SourceDescription(kind: .service, url: "http://127.0.0.1:1/fixed") }
        func listModels() async throws -> [CustomModel] { models.map { var m = $0; m.words = nil; m.prompts = nil; return m } }
        func getModel(id: String) async throws -> CustomModel { models.first { $0.customizationID == id }! }
    }

    /// A restore whose target refuses an entry is Succeeded, with the refusal as a warning and in the report.
    @Test func refusedEntriesAreWarningsOfASucceededRestore() async throws {
        try await Harness.with { h in
            var words = (0..<10).map { WordEntry(word: "word\($0)", translation: "translation \($0)") }
            words.append(WordEntry(word: "two words", translation: "bad"))  // the service refuses white space
            let model = CustomModel(customizationID: "11111111-2222-3333-4444-555555555555", name: "Scripted", language: "en-US",
                                    owner: "x", created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-01T00:00:00.000Z",
                                    description: "", words: words.sorted { WordEntry.serviceOrder($0.word, $1.word) }, prompts: [])
            let store = try ArchiveStore(path: h.archive, access: .write)
            let id = try await Snapshotter.run(store: store, source: FixedSource(models: [model])).snapshotID

            let started = try await h.call(.POST, "/v1/restores", json: ["snapshot": "\(id)", "target": "restore_target", "batch_size": 4])
            #expect(started.status == 202)
            let done = try await h.finished(try #require(started.json["id"] as? String))
            #expect(done.json["status"] as? String == "Succeeded")
            #expect(done.json["warnings"] as? Int == 1)
            #expect((done.json["warningMessages"] as? [String])?.first?.contains("two words") == true)
            let report = try #require(done.json["result"] as? [String: Any])
            #expect(report["status"] as? String == "partial")
            let rejections = (report["models"] as? [[String: Any]])?.first?["rejections"] as? [[String: Any]]
            #expect(rejections?.map { $0["word"] as? String } == ["two words"])
            #expect(h.target.defaultInstance.listModels().count == 1)
        }
    }

    /// A restore cancelled at its 2nd model keeps its journal; `:resume` finishes it with no duplicate model.
    @Test func canceledRestoreResumesWithoutDuplicates() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 4, words: 200, seed: 11))
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            let hold = h.target.faults.hold("POST", .exact("/v1/customizations"), skip: 1)
            let started = try await h.call(.POST, "/v1/restores", json: ["target": "restore_target"])
            let id = try #require(started.json["id"] as? String)
            await hold.reached()
            // Another restore into the same target is refused while this one runs.
            let second = try await h.call(.POST, "/v1/restores", json: ["target": "restore_target", "mode": "single"])
            #expect(second.status == 409)
            #expect(second.error["target"] as? String == "target")
            _ = try await h.call(.POST, "/v1/operations/\(id):cancel")
            await hold.release()
            let canceled = try await h.finished(id)
            #expect(canceled.json["status"] as? String == "Canceled")
            #expect(canceled.json["restoreRun"] as? Int == 1)

            let resumed = try await h.call(.POST, "/v1/operations/\(id):resume", headers: [("Operation-Id", "resume-1")])
            #expect(resumed.status == 202)
            #expect(resumed.json["resumedFrom"] as? String == id)
            let done = try await h.finished("resume-1")
            #expect(done.json["status"] as? String == "Succeeded")
            #expect(done.json["restoreRun"] as? Int == 1)
            let report = try #require(done.json["result"] as? [String: Any])
            #expect(report["resumed"] as? Bool == true)
            #expect(h.target.defaultInstance.listModels().count == 4)  // no model created twice
            #expect(try await h.call(.POST, "/v1/operations/\(id):resume", headers: [("Operation-Id", "resume-1")]).status == 200)
        }
    }

    /// A server stopped (SIGTERM) during a restore marks it interrupted; after a restart it still answers, and
    /// resumes with no duplicate. Rows a killed process left Running are marked interrupted at start-up.
    @Test func restartMarksInterruptedAndResumes() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 90, seed: 12))
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            let hold = h.target.faults.hold("POST", .exact("/v1/customizations"), skip: 1)
            let started = try await h.call(.POST, "/v1/restores", json: ["target": "restore_target"])
            let id = try #require(started.json["id"] as? String)
            await hold.reached()
            async let stopped: Void = h.stop()
            await hold.release()
            await stopped

            // A row as a killed process leaves it.
            let store = try ArchiveStore(path: h.archive, access: .write)
            var orphan = OperationRecord(id: "killed", kind: "snapshot", source: "default", request: "{}", requestHash: "x")
            orphan.status = .running
            try OperationLog(store).insert(orphan)

            try await h.start()
            let interrupted = try await h.call(.GET, "/v1/operations/\(id)")
            #expect(interrupted.json["status"] as? String == "Failed")
            #expect((interrupted.json["error"] as? [String: Any])?["code"] as? String == "interrupted")
            let killed = try await h.call(.GET, "/v1/operations/killed")
            #expect(killed.json["status"] as? String == "Failed")
            #expect((killed.json["error"] as? [String: Any])?["code"] as? String == "interrupted")

            let resumed = try await h.call(.POST, "/v1/operations/\(id):resume")
            #expect(resumed.status == 202)
            let done = try await h.finished(try #require(resumed.json["id"] as? String))
            #expect(done.json["status"] as? String == "Succeeded")
            #expect(h.target.defaultInstance.listModels().count == 3)
        }
    }

    /// Jobs run below the requests' priority: a snapshot's work on the cooperative threads kept reads, even
    /// `/healthz`, waiting tens of milliseconds while it ran (the `GET /v1/snapshots` figure of docs/server.md).
    @Test func jobsRunBelowTheRequestsPriority() async throws {
        let dir = try TempDir()
        let center = try OperationCenter(archivePath: dir.path("a.sqlite"), logger: Logger(label: "test"))
        let (seen, report) = AsyncStream.makeStream(of: TaskPriority.self)
        let spec = OperationSpec(kind: "drill", request: "{}", requestHash: "h", job: { _ in
            report.yield(Task.currentPriority)
            return JobOutcome()
        })
        _ = try await Task(priority: .medium) { try await center.start(spec, clientID: nil) }.value
        var priorities = seen.makeAsyncIterator()
        #expect(await priorities.next() == .utility)
        await center.stop()
    }

    /// A job's last progress event is its row's final progress, even when the job ends before the row writer
    /// has read that event (the docs' walkthrough once showed a done snapshot with `"modelsDone":0`).
    @Test func finalRowHoldsTheJobsLastProgress() async throws {
        let dir = try TempDir()
        let center = try OperationCenter(archivePath: dir.path("a.sqlite"), logger: Logger(label: "test"))
        var ids: [String] = []
        for n in 1...40 {
            let spec = OperationSpec(kind: "drill", request: "{\"n\":\(n)}", requestHash: "h\(n)", job: { context in
                for i in 0..<200 {
                    context.progress(JobProgress(job: "drill", phase: .fetch, modelsDone: 0, modelsTotal: 3, wordsDone: i))
                }
                context.progress(JobProgress(job: "drill", phase: .done, modelsDone: 3, modelsTotal: 3, wordsDone: 300,
                                             wordsTotal: 300))
                return JobOutcome()
            })
            guard case .started(let record) = try await center.start(spec, clientID: nil) else {
                Issue.record("operation \(n) not started")
                continue
            }
            ids.append(record.id)
        }
        for id in ids {
            await center.wait(id)
            let p = try #require(try await center.get(id)?.progress)
            #expect((p.phase, p.modelsDone, p.modelsTotal, p.wordsDone, p.wordsTotal) == (.done, 3, 3, 300, 300), "\(id)")
        }
        await center.stop()
        let stored = try OperationLog(ArchiveStore(path: dir.path("a.sqlite"), access: .read)).get(ids[0])?.progress
        #expect(stored?.modelsDone == 3 && stored?.wordsTotal == 300)
    }
}

/// Start-up checks and the token.
@Suite struct SecurityTests {
    @Test func tokenIsRequiredWhereConfigured() async throws {
        try await Harness.with(token: "s3cret-token") { h in
            #expect(try await h.call(.GET, "/healthz").status == 200)
            #expect(try await h.call(.GET, "/openapi.yaml").status == 200)
            let none = try await h.call(.GET, "/v1/snapshots")
            #expect(none.status == 401)
            #expect(none.error["code"] as? String == "unauthorized")
            #expect(try await h.call(.POST, "/v1/snapshots", headers: [("Authorization", "Bearer wrong")]).status == 401)
            #expect(try await h.call(.POST, "/v1/snapshots", headers: [("Authorization", "Bearer s3cret-token-and-more")]).status == 401)
            #expect(try await h.call(.GET, "/v1/snapshots?tag=x", headers: [("Authorization", "Bearer s3cret-token")]).status == 200)
            // One JSON line per request, with no credential, no header and no query.
            let requests = h.log.lines.filter { $0.contains(#""message":"request""#) }
            #expect(requests.count == 6)
            #expect(requests.allSatisfy { $0.hasPrefix("{") && $0.contains(#""status":"#) })
            #expect(requests.last?.contains(#""path":"/v1/snapshots""#) == true)
            #expect(!h.log.lines.contains { $0.contains("s3cret") || $0.contains("wrong") || $0.contains("tag=x") })
        }
        try await Harness.with(token: "s3cret-token", publicRead: true) { (h: Harness) async throws in
            #expect(try await h.call(.GET, "/v1/snapshots").status == 200)
            #expect(try await h.call(.POST, "/v1/snapshots").status == 401)
            #expect(try await h.call(.PUT, "/v1/snapshots/1/tags/x").status == 401)
        }
    }

    @Test func constantTimeCompare() {
        #expect(BearerToken.matches(Array("abc".utf8), Array("abc".utf8)))
        #expect(!BearerToken.matches(Array("abc".utf8), Array("abd".utf8)))
        #expect(!BearerToken.matches(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!BearerToken.matches([], Array("a".utf8)))
    }

    @Test func listeningOffLoopbackNeedsAToken() throws {
        let dir = try TempDir()
        let env = ["TEXT_TO_SPEECH_URL": "http://127.0.0.1:9", "TEXT_TO_SPEECH_AUTH_TYPE": "noAuth", "IBM_CREDENTIALS_FILE": dir.path("none")]
        let options = ServerOptions(archivePath: dir.path("a.sqlite"), listen: "0.0.0.0:0", environment: env)
        #expect(throws: ServerStartError.self) { try ArchiveHTTPServer(options) }
        do {
            _ = try ArchiveHTTPServer(options)
        } catch {
            #expect("\(error)".contains("needs an API token"))
        }
        var withToken = options
        withToken.environment["TTS_ARCHIVE_TOKEN"] = "t"
        _ = try ArchiveHTTPServer(withToken)
        for loopback in ["127.0.0.1:0", "localhost:0", "[::1]:0"] {
            var o = options
            o.listen = loopback
            _ = try ArchiveHTTPServer(o)
        }
        var bad = options
        bad.listen = "8080"
        #expect(throws: ServerStartError.self) { try ArchiveHTTPServer(bad) }

        // The token file: its first line; the environment and the file at once is refused.
        try "file-token\n".write(toFile: dir.path("token"), atomically: true, encoding: .utf8)
        var fromFile = options
        fromFile.tokenFile = dir.path("token")
        #expect(try ArchiveHTTPServer.readToken(fromFile) == Array("file-token".utf8))
        fromFile.environment["TTS_ARCHIVE_TOKEN"] = "t"
        #expect(throws: ServerStartError.self) { try ArchiveHTTPServer.readToken(fromFile) }
        fromFile.environment["TTS_ARCHIVE_TOKEN"] = nil
        fromFile.tokenFile = dir.path("missing")
        #expect(throws: ServerStartError.self) { try ArchiveHTTPServer.readToken(fromFile) }
    }

    @Test func configIsCheckedAtStartUp() throws {
        func error(_ yaml: String) -> String {
            do {
                _ = try ServerConfig.parse(yaml, path: "server.yaml")
                return ""
            } catch { return "\(error)" }
        }
        #expect(error("sources:\n  - name: prod\n    shedule: daily\n").contains("sources[0]: unknown key 'shedule' (known: name, service_name"))
        #expect(error("sorces: []\n").contains("unknown key 'sorces'"))
        #expect(error("sources:\n  - name: a\n  - name: a\n").contains("'a' is named twice"))
        #expect(error("sources:\n  - name: 'x y'\n").contains("sources[0].name"))
        #expect(error("targets:\n  - name: t\n").contains("name at least one source"))
        #expect(error("sources: [").hasPrefix("config server.yaml: not valid YAML"))
        let config = try ServerConfig.parse("sources:\n  - name: prod\n    service_name: prod_tts\ntargets:\n  - name: standby\n", path: "s")
        #expect(config.sources == [.init(name: "prod", serviceName: "prod_tts")])
        #expect(config.targets == [.init(name: "standby", serviceName: "standby")])

        // Two sources resolving to one URL, and a source without credentials, are refused.
        let dir = try TempDir()
        try "sources:\n  - name: a\n  - name: b\n".write(toFile: dir.path("s.yaml"), atomically: true, encoding: .utf8)
        let env = ["A_URL": "http://127.0.0.1:9/x", "A_AUTH_TYPE": "noAuth", "B_URL": "http://127.0.0.1:9/x/", "B_AUTH_TYPE": "noAuth",
                   "IBM_CREDENTIALS_FILE": dir.path("none")]
        let options = ServerOptions(archivePath: dir.path("a.sqlite"), configPath: dir.path("s.yaml"), environment: env)
        #expect(throws: ServerStartError.self) { try ArchiveHTTPServer(options) }
        var missing = options
        missing.environment["B_URL"] = nil
        missing.environment["B_AUTH_TYPE"] = nil
        do {
            _ = try ArchiveHTTPServer(missing)
            Issue.record("a source without credentials started")
        } catch {
            #expect("\(error)".contains("source 'b'"))
        }
    }
}
