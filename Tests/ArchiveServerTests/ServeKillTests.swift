import ArchiveCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import TTSEmulator

/// The built `tts-archive` next to this test bundle (swift build --build-tests builds both).
let serveBinary: String? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appending(path: "tts-archive").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return ProcessInfo.processInfo.environment["TTS_ARCHIVE_BIN"]
}()

/// `tts-archive serve` as a process of its own (the real binary), so that it can be SIGKILLed: the emulators run
/// in this process, so a job is stopped at a named request (``RequestHold``), never at a moment in time.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let base: String
    let http: HTTPClient
    private let ended = EndedOperations()

    init(archive: String, credentials: String, http: HTTPClient, log: String) throws {
        self.http = http
        process.executableURL = URL(fileURLWithPath: serveBinary!)
        process.arguments = ["serve", "--archive", archive, "--listen", "127.0.0.1:0", "--log-json"]
        process.environment = ["IBM_CREDENTIALS_FILE": credentials, "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        // The log, read line by line on a thread of its own (blocking reads: no timing), is kept in `log` and tells
        // which operations ended.
        let ended = self.ended
        Thread.detachNewThread {
            let reader = err.fileHandleForReading
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                logFile.write(chunk)
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    ended.read(line: pending[pending.startIndex..<newline])
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            try? logFile.close()
            ended.close()
        }
        // The first stdout line is the URL it listens on (read up to the newline, blocking: no timing).
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        base = String(decoding: line, as: UTF8.self)
        guard base.hasPrefix("http://127.0.0.1:") else {
            throw ServeKillError("serve did not start: \(String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: log))) ?? Data(), as: UTF8.self))")
        }
    }

    /// Signals the process and waits for it to end on a thread of its own, not on one of the few cooperative
    /// (Dispatch) threads: a server stopping gracefully may still wait on this process's emulators, which need them.
    func kill(_ signal: Int32) async {
        Foundation.kill(process.processIdentifier, signal)
        let process = self.process
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { process.waitUntilExit(); done.resume() }
        }
    }

    func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws -> (status: Int, json: [String: Any]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    /// Waits until the server's log says the operation ended (its row is written before that line), then reads
    /// the monitor. The server process is another process: there is no task here to await, and no polling either.
    func finished(_ id: String) async throws -> [String: Any] {
        await ended.wait(id)
        let monitor = try await call(.GET, "/v1/operations/\(id)").json
        guard let status = monitor["status"] as? String, ["Succeeded", "Failed", "Canceled"].contains(status) else {
            throw ServeKillError("operation \(id) did not end before the server did: \(monitor)")
        }
        return monitor
    }
}

/// The operations whose end a server's `--log-json` log announced ("operation state change" with a final status),
/// and the tasks waiting for one. When the log closes (the process ended) every waiter goes on.
final class EndedOperations: @unchecked Sendable {
    private let lock = NSLock()
    private var ended: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var closed = false

    func read(line: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              object["message"] as? String == "operation state change",
              let id = object["operation"] as? String,
              let status = object["status"] as? String, ["Succeeded", "Failed", "Canceled"].contains(status) else { return }
        let resumed = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            ended.insert(id)
            return waiting.removeValue(forKey: id) ?? []
        }
        for continuation in resumed { continuation.resume() }
    }

    func close() {
        let resumed = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            closed = true
            defer { waiting = [:] }
            return waiting.values.flatMap { $0 }
        }
        for continuation in resumed { continuation.resume() }
    }

    func wait(_ id: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if ended.contains(id) || closed { return true }
                waiting[id, default: []].append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

struct ServeKillError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// SIGKILL of `tts-archive serve` during a snapshot and during a restore, then a restart on the same archive.
@Suite(.enabled(if: serveBinary != nil, "needs the built tts-archive binary"), .serialized,
       .timeLimit(.minutes(5)))  // a hung server fails the run instead of holding it
struct ServeKillTests {
    /// Two emulators, an archive and a credentials file naming the source (`TEXT_TO_SPEECH_*`) and the target
    /// `restore_target`.
    static func with(_ body: (EmulatorServer, EmulatorServer, TempDir, HTTPClient, String) async throws -> Void) async throws {
        let source = EmulatorServer(), target = EmulatorServer()
        let sourceURL = try await source.start(), targetURL = try await target.start()
        let dir = try TempDir()
        let credentials = dir.path("ibm-credentials.env")
        try """
            TEXT_TO_SPEECH_URL=\(sourceURL.absoluteString)
            TEXT_TO_SPEECH_AUTH_TYPE=noAuth
            RESTORE_TARGET_URL=\(targetURL.absoluteString)
            RESTORE_TARGET_AUTH_TYPE=noAuth
            """.write(toFile: credentials, atomically: true, encoding: .utf8)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await body(source, target, dir, http, credentials)
        } catch {
            try? await http.shutdown()
            await source.stop()
            await target.stop()
            throw error
        }
        try? await http.shutdown()
        await source.stop()
        await target.stop()
    }

    @Test func killDuringASnapshotLeavesItAbsentAndTheOperationInterrupted() async throws {
        try await Self.with { source, _, dir, http, credentials in
            _ = try source.generate(GeneratorSpec(models: 4, words: 400, seed: 21))
            let archive = dir.path("archive.sqlite")
            var serve = try ServeProcess(archive: archive, credentials: credentials, http: http, log: dir.path("serve-1.log"))
            let first = try await serve.call(.POST, "/v1/snapshots")
            #expect(first.status == 202)
            #expect(try await serve.finished(try #require(first.json["id"] as? String))["status"] as? String == "Succeeded")
            _ = source.applyNight(seed: 4)

            // The third get-model: two models fetched and written into the snapshot's open transaction.
            let hold = source.faults.hold("GET", .prefix("/v1/customizations/"), skip: 2)
            let started = try await serve.call(.POST, "/v1/snapshots")
            let id = try #require(started.json["id"] as? String)
            await hold.reached()
            await serve.kill(SIGKILL)
            #expect(serve.process.terminationReason == .uncaughtSignal)
            await hold.release()

            let store = try ArchiveStore(path: archive, access: .read)
            #expect(try ArchiveChecker(store).run().problems.isEmpty)
            #expect(try SnapshotReader(store).all().count == 1)  // the killed snapshot is absent, not partial

            serve = try ServeProcess(archive: archive, credentials: credentials, http: http, log: dir.path("serve-2.log"))
            let monitor = try await serve.call(.GET, "/v1/operations/\(id)").json
            #expect(monitor["status"] as? String == "Failed")
            #expect((monitor["error"] as? [String: Any])?["code"] as? String == "interrupted")
            // The source is free again and the next snapshot is whole.
            let next = try await serve.call(.POST, "/v1/snapshots")
            #expect(try await serve.finished(try #require(next.json["id"] as? String))["status"] as? String == "Succeeded")
            await serve.kill(SIGTERM)
            #expect(try SnapshotReader(store).all().count == 2)
            #expect(try ArchiveChecker(store).run().problems.isEmpty)
        }
    }

    @Test func killDuringARestoreResumesWithoutDuplicatesAndVerifies() async throws {
        try await Self.with { source, target, dir, http, credentials in
            _ = try source.generate(GeneratorSpec(models: 4, words: 400, seed: 22))
            let archive = dir.path("archive.sqlite")
            var serve = try ServeProcess(archive: archive, credentials: credentials, http: http, log: dir.path("serve-1.log"))
            let snapshot = try await serve.call(.POST, "/v1/snapshots")
            #expect(try await serve.finished(try #require(snapshot.json["id"] as? String))["status"] as? String == "Succeeded")

            // The second model's create: the first model is done, and the target will make the second one after
            // the client that asked for it is dead (the hardest case for duplicates).
            let hold = target.faults.hold("POST", .exact("/v1/customizations"), skip: 1)
            let started = try await serve.call(.POST, "/v1/restores", json: ["target": "restore_target", "batch_size": 50])
            #expect(started.status == 202)
            let id = try #require(started.json["id"] as? String)
            await hold.reached()
            await serve.kill(SIGKILL)
            #expect(serve.process.terminationReason == .uncaughtSignal)
            await hold.release()

            serve = try ServeProcess(archive: archive, credentials: credentials, http: http, log: dir.path("serve-2.log"))
            let interrupted = try await serve.call(.GET, "/v1/operations/\(id)").json
            #expect(interrupted["status"] as? String == "Failed")
            #expect((interrupted["error"] as? [String: Any])?["code"] as? String == "interrupted")
            #expect(try ArchiveChecker(ArchiveStore(path: archive, access: .read)).run().problems.isEmpty)

            let resumed = try await serve.call(.POST, "/v1/operations/\(id):resume")
            #expect(resumed.status == 202)
            let done = try await serve.finished(try #require(resumed.json["id"] as? String))
            #expect(done["status"] as? String == "Succeeded", "\(done)")
            #expect(done["resumedFrom"] as? String == id)
            // 0 duplicates: the target has exactly the snapshot's models, each once by name.
            let names = target.defaultInstance.listModels().map(\.name)
            #expect(names.count == 4)
            #expect(Set(names).count == 4)
            // The verify read every model back: 0 differences.
            let verification = try #require((done["result"] as? [String: Any])?["verification"] as? [String: Any])
            let summary = (verification["differences"] as? [String: Any])?["summary"] as? [String: Any] ?? [:]
            #expect(!summary.isEmpty)
            #expect(summary.values.allSatisfy { ($0 as? Int) == 0 }, "\(summary)")
            await serve.kill(SIGTERM)
            #expect(try ArchiveChecker(ArchiveStore(path: archive, access: .read)).run().problems.isEmpty)
        }
    }
}
