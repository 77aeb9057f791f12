@testable import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSAPI
import TTSEmulator

/// Runs the built CLI with a clean environment (no credentials, a private HOME and working directory).
struct CLI {
    let dir: TempDir
    var archive: String { dir.path("archive.sqlite") }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Output goes to files, not pipes: no pipe-buffer deadlock, and no Foundation pipe read that traps on EINTR.
    func run(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cliBinary!)
        p.arguments = args
        p.currentDirectoryURL = dir.url
        p.environment = ["HOME": dir.path("home"), "PATH": "/usr/bin:/bin"].merging(env) { $1 }
        let tag = UUID().uuidString
        let outURL = dir.url.appending(path: "stdout-\(tag)"), errURL = dir.url.appending(path: "stderr-\(tag)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// `run` on a thread of its own: a test that serves the CLI from an in-process emulator must not block one of
    /// the few threads the emulator's handlers need (2 on a 2-core machine). Not a Dispatch global queue: on Linux
    /// Swift's cooperative threads are that queue's threads, so a wait there holds them just the same.
    func runDetached(_ args: [String], env: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result<CLI.Result, Error> { try run(args, env: env) })
            }
        }
    }
}

@Suite(.enabled(if: cliBinary != nil, "needs the built tts-archive binary"))
struct CLITests {
    let cli: CLI
    init() throws { cli = CLI(dir: try TempDir()) }

    /// A failure is exactly one line on stderr, prefixed, with the given status.
    func expectOneLineError(_ r: CLI.Result, status: Int32, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("tts-archive: error: "), sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func badArchivesAreRefusedWithExit3AndLeftUntouched() throws {
        expectOneLineError(try cli.run(["info", "--archive", cli.archive]), status: 3, containing: "no archive at \(cli.archive) (a command that writes, such as `snapshot`, creates it)")
        let junk = cli.dir.path("junk.sqlite")
        try Data("not a database at all, just text".utf8).write(to: URL(fileURLWithPath: junk))
        expectOneLineError(try cli.run(["snapshots", "--archive", junk]), status: 3, containing: "not a tts-archive archive")
        #expect(try String(contentsOfFile: junk, encoding: .utf8) == "not a database at all, just text")
        // A truncated archive.
        _ = try ArchiveStore(path: cli.archive, access: .write)
        let truncated = cli.dir.path("truncated.sqlite")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cli.archive))
        try bytes.prefix(1000).write(to: URL(fileURLWithPath: truncated))
        let r = try cli.run(["snapshots", "--archive", truncated])
        #expect(r.status == 3, "stderr: \(r.stderr)")
    }

    @Test func newerSchemaIsRefused() throws {
        let store = try ArchiveStore(path: cli.archive, access: .write)
        try store.db.run("INSERT INTO schema_migrations VALUES ('9999_future', 'x', 'now')")
        expectOneLineError(try cli.run(["snapshots", "--archive", cli.archive]), status: 3, containing: "newer version")
    }

    @Test func selectorsAndTimesExplainWhatExists() async throws {
        let store = try ArchiveStore(path: cli.archive, access: .write)
        expectOneLineError(try cli.run(["show", "latest", "--archive", cli.archive]), status: 2, containing: "no snapshots yet")
        let source = try await Self.importedFolder(cli.dir)
        _ = try await Snapshotter.run(store: store, source: source, options: SnapshotOptions(tags: ["t"]))
        _ = try await Snapshotter.run(store: store, source: source, options: SnapshotOptions(tags: ["t"]))
        expectOneLineError(try cli.run(["show", "42", "--archive", cli.archive]), status: 2, containing: "snapshots are 1…2")
        expectOneLineError(try cli.run(["show", "t", "--archive", cli.archive]), status: 2, containing: "names 2 snapshots")
        expectOneLineError(try cli.run(["diff", "--from-at", "last tuesday", "--archive", cli.archive]), status: 2, containing: "not an ISO 8601")
        expectOneLineError(try cli.run(["show", "--at", "1999-01-01", "--archive", cli.archive]), status: 2, containing: "first snapshot finished at")
        // diff(1) statuses: 0 for no differences.
        #expect(try cli.run(["diff", "1", "2", "--archive", cli.archive]).status == 0)
        #expect(try cli.run(["show", "1", "--bogus-flag", "--archive", cli.archive]).status == 64)
    }

    @Test func serviceFailuresAreOneLineAndLeaveTheArchiveAlone() async throws {
        // No credentials anywhere.
        expectOneLineError(try cli.run(["snapshot", "--archive", cli.archive]), status: 2, containing: "URL")
        // Unreachable service.
        let r = try cli.run(["snapshot", "--archive", cli.archive, "--url", "http://127.0.0.1:9", "--auth-type", "noAuth", "--max-attempts", "1"])
        expectOneLineError(r, status: 2, containing: "connection refused")
        #expect(try SnapshotReader(ArchiveStore(path: cli.archive, access: .read)).all().isEmpty)

        // Wrong credentials: exit 5, and the key appears nowhere.
        let secret = "fake-key-5d41402abc4b2a76b9719d911017c592"
        let server = EmulatorServer(configuration: EmulatorConfiguration(apiKeys: ["the-right-key"]))
        let url = try await server.start()
        defer { Task { await server.stop() } }
        let denied = try await cli.runDetached(["snapshot", "--archive", cli.archive],
                                 env: ["TEXT_TO_SPEECH_URL": url.absoluteString, "TEXT_TO_SPEECH_APIKEY": secret,
                                       "TEXT_TO_SPEECH_AUTH_URL": url.absoluteString])
        expectOneLineError(denied, status: 5, containing: "API key could not be found")
        #expect(!denied.stdout.contains(secret) && !denied.stderr.contains(secret))
        let raw = try Data(contentsOf: URL(fileURLWithPath: cli.archive))
        #expect(raw.range(of: Data(secret.utf8)) == nil)

        // The right key works, and the run lock turns a concurrent writer away with exit 4.
        let ok = try await cli.runDetached(["snapshot", "--archive", cli.archive, "--json"],
                             env: ["TEXT_TO_SPEECH_URL": url.absoluteString, "TEXT_TO_SPEECH_APIKEY": "the-right-key",
                                   "TEXT_TO_SPEECH_AUTH_URL": url.absoluteString])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(ok.stdout.contains("\"digest\""))
        let lock = try ArchiveLock(archivePath: cli.archive, purpose: "test holder")
        let busy = try await cli.runDetached(["snapshot", "--archive", cli.archive],
                               env: ["TEXT_TO_SPEECH_URL": url.absoluteString, "TEXT_TO_SPEECH_APIKEY": "the-right-key",
                                     "TEXT_TO_SPEECH_AUTH_URL": url.absoluteString])
        withExtendedLifetime(lock) {}
        expectOneLineError(busy, status: 4, containing: "in use by another run (pid \(getpid()), test holder")
        await server.stop()
    }

    @Test func snapshotDrillProvesTheNewSnapshotRestoresAndAddsNothingToTheArchive() async throws {
        let server = EmulatorServer(configuration: EmulatorConfiguration())
        let url = try await server.start()
        _ = try server.generate(GeneratorSpec(models: 4, words: 600, seed: 5))
        let service = ["--url", url.absoluteString, "--auth-type", "noAuth"]
        let r = try await cli.runDetached(["snapshot", "--drill", "--verbose", "--archive", cli.archive] + service)
        await server.stop()
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("drill passed: snapshot 1 restored into an in-process emulator and verified: 4 models, 600 words, 0 differences"),
                "stdout: \(r.stdout)")
        let store = try ArchiveStore(path: cli.archive, access: .read)
        #expect(try store.db.scalar("SELECT count(*) FROM restore_runs", as: Int.self) == 0)
        // `drill` alone on the archive, JSON, with the service gone: it needs nothing but the archive.
        let again = try cli.run(["drill", "latest", "--json", "--archive", cli.archive])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("\"status\" : \"passed\""))
        expectOneLineError(try cli.run(["drill", "9", "--archive", cli.archive]), status: 2, containing: "no snapshot 9")
    }

    /// A translation altered in the archive is healed by the next snapshot, which says so (text, even off a
    /// terminal, and JSON); a model name the documentation forbids is archived, and a restore plan warns of it.
    @Test func snapshotHealsDamagedRowsAndRestoreWarnsOfForbiddenNames() async throws {
        let server = EmulatorServer(configuration: EmulatorConfiguration())
        let url = try await server.start()
        defer { Task { await server.stop() } }
        let id = try server.defaultInstance.createModel(CreateModelRequest(name: "TCP/IP terms", language: "en-US"))
        try server.defaultInstance.addWords(id: id, [WordEntry(word: "IEEE", translation: "I triple E"), WordEntry(word: "NCAA", translation: "N C double A")])
        let service = ["--url", url.absoluteString, "--auth-type", "noAuth"]
        #expect(try await cli.runDetached(["snapshot", "--archive", cli.archive] + service).status == 0)
        do {
            let store = try ArchiveStore(path: cli.archive, access: .write)
            try store.db.execute("UPDATE words SET translation = 'tampered' WHERE word = 'IEEE'")
        }
        let healed = try await cli.runDetached(["snapshot", "--archive", cli.archive] + service)
        #expect(healed.status == 0 && healed.stderr.isEmpty, "stderr: \(healed.stderr)")
        #expect(healed.stdout == "healed: model \(id) (\"TCP/IP terms\"): 1 damaged row in the archive rewritten from the service's answer; "
                + "older snapshots keep the damage (see `tts-archive check`)\n", "stdout: \(healed.stdout)")
        let shown = try cli.run(["show", "latest", "--words", "--archive", cli.archive])
        #expect(shown.stdout.contains("I triple E") && !shown.stdout.contains("tampered"), "stdout: \(shown.stdout)")
        let again = try await cli.runDetached(["snapshot", "--json", "--archive", cli.archive] + service)
        let summary = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect((summary?["healed"] as? [Any])?.isEmpty == true, "stdout: \(again.stdout)")

        let target = EmulatorServer(configuration: EmulatorConfiguration())
        let targetURL = try await target.start()
        defer { Task { await target.stop() } }
        let plan = try await cli.runDetached(["restore", "latest", "--dry-run", "--archive", cli.archive,
                                              "--to-url", targetURL.absoluteString, "--auth-type", "noAuth"])
        #expect(plan.status == 0, "stderr: \(plan.stderr)")
        #expect(plan.stdout.contains("warning: model \(id): the name \"TCP/IP terms\" holds \"/\", which the service's documentation "
                                     + "forbids in model names; the service may refuse to create the model"), "stdout: \(plan.stdout)")
        // Under --json the report has no place for it: the restore's progress events carry it to stderr.
        let restored = try await cli.runDetached(["restore", "latest", "--json", "--archive", cli.archive,
                                                  "--to-url", targetURL.absoluteString, "--auth-type", "noAuth"])
        #expect(restored.status == 0, "stderr: \(restored.stderr)")
        #expect(restored.stderr == "tts-archive: warning: model \(id): the name \"TCP/IP terms\" holds \"/\", which the service's "
                + "documentation forbids in model names; the service may refuse to create the model\n", "stderr: \(restored.stderr)")
    }

    /// diff(1) statuses on both of diff's paths: two snapshots (compared on the main thread, before any
    /// concurrency) and a `live` side (fetched by the async path); the archive found through $TTS_ARCHIVE.
    @Test func diffStatusesFollowDiff1ForSnapshotsAndLive() async throws {
        let server = EmulatorServer(configuration: EmulatorConfiguration())
        let url = try await server.start()
        defer { Task { await server.stop() } }
        _ = try server.generate(GeneratorSpec(models: 3, words: 200, seed: 8))
        let service = ["--url", url.absoluteString, "--auth-type", "noAuth"]
        let first = try await cli.runDetached(["snapshot", "--archive", cli.archive] + service)
        #expect(first.status == 0, "stderr: \(first.stderr)")

        let same = try await cli.runDetached(["diff", "latest", "live", "--stat", "--archive", cli.archive] + service)
        #expect(same.status == 0, "stderr: \(same.stderr)")
        #expect(same.stdout.contains("summary: models +0 -0 ~0, words +0 -0 ~0"), "stdout: \(same.stdout)")

        _ = try server.generate(GeneratorSpec(models: 1, words: 10, seed: 9))
        let drift = try await cli.runDetached(["diff", "latest", "live", "--stat", "--archive", cli.archive] + service)
        #expect(drift.status == 1, "stderr: \(drift.stderr)")
        #expect(drift.stdout.contains("summary: models +1 -0 ~0, words +10 -0 ~0"), "stdout: \(drift.stdout)")
        let twice = try cli.run(["diff", "live", "live", "--archive", cli.archive] + service)
        #expect(twice.status == 64 && twice.stderr.hasPrefix("Error: compare live with a snapshot, not with itself"), "stderr: \(twice.stderr)")
        #expect(twice.stderr.contains("Usage: tts-archive diff"), "stderr: \(twice.stderr)")

        #expect(try await cli.runDetached(["snapshot", "--archive", cli.archive] + service).status == 0)
        let env = ["TTS_ARCHIVE": cli.archive]
        let changed = try cli.run(["diff", "1", "2", "--name-only"], env: env)
        #expect(changed.status == 1, "stderr: \(changed.stderr)")
        #expect(changed.stdout.split(separator: "\n").count == 1 && changed.stdout.hasPrefix("+"), "stdout: \(changed.stdout)")
        // --stat of two snapshots counts words without listing them: the same numbers as for `live`.
        let stat = try cli.run(["diff", "1", "2", "--stat"], env: env)
        #expect(stat.status == 1 && stat.stdout.contains("summary: models +1 -0 ~0, words +10 -0 ~0"), "stdout: \(stat.stdout)")
        let added = stat.stdout.split(separator: "\n").first { $0.hasPrefix("added") }?.split(separator: " ")
        #expect(added?[3...5].map(String.init) == ["10", "0", "0"], "stdout: \(stat.stdout)")
        let none = try cli.run(["diff", "2", "2", "--json"], env: env)
        #expect(none.status == 0, "stderr: \(none.stderr)")
        #expect(none.stdout.contains("\"words_changed\":0"), "stdout: \(none.stdout)")
        expectOneLineError(try cli.run(["diff", "1", "9"], env: env), status: 2, containing: "snapshots are 1…2")
    }

    @Test func demoTellsTheWholeStoryAndEndsWithAVerifiedRestore() async throws {
        let r = try await cli.runDetached(["demo", "--archive", cli.dir.path("demo.sqlite")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for step in ["Monday night: the first snapshot", "What changed since Monday?", "no problems",
                     "restore monday", "0 differences", "tts-archive drill monday"] {
            #expect(r.stdout.contains(step), "demo output lacks \(step)")
        }
        #expect(r.stdout.contains("ja-JP"), "the demo's lexicons include Japanese")
        #expect(r.stderr.isEmpty, "stderr: \(r.stderr)")
    }

    @Test func everyCommandDocumentsItsExitStatus() throws {
        let root = try cli.run(["--help"])
        #expect(root.status == 0 && root.stdout.contains("EXIT STATUS"))
        for command in ["snapshot", "snapshots", "show", "diff", "tag", "forget", "check", "export", "import",
                        "archive-backup", "info", "models", "emulator", "demo", "restore", "restores", "rollback", "drill", "log"] {
            let help = try cli.run(["help", command])
            #expect(help.stdout.contains("EXIT STATUS"), "\(command) --help lacks EXIT STATUS")
            #expect(help.stdout.contains("EXAMPLES") || help.stdout.contains("tts-archive \(command)"), "\(command) --help lacks examples")
        }
        #expect(try cli.run(["--version"]).stdout.hasPrefix("0."))
    }

    @Test func aBinaryCopiedAloneStillCreatesArchives() async throws {
        // migrations/ is compiled in: nothing next to the binary or in the source tree is needed.
        let lonely = cli.dir.path("bin/tts-archive")
        try FileManager.default.createDirectory(atPath: cli.dir.path("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cliBinary!, toPath: lonely)
        _ = try await Self.importedFolder(cli.dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: lonely)
        p.arguments = ["import", cli.dir.path("import"), "--archive", cli.dir.path("elsewhere/new.sqlite")]
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let store = try ArchiveStore(path: cli.dir.path("elsewhere/new.sqlite"), access: .read)
        #expect(try store.info().migrations.count >= 2)
        #expect(try SnapshotReader(store).all().count == 1)
    }

    /// A folder of two exported models, as a snapshot source.
    /// `log`: exit 0 with the versions, 1 when the word has none (as grep), 2 naming what exists for a model
    /// that matches nothing; --json carries the same versions.
    @Test func logFollowsGrepsExitStatuses() async throws {
        let store = try ArchiveStore(path: cli.archive, access: .write)
        _ = try await Snapshotter.run(store: store, source: try await Self.importedFolder(cli.dir))
        let found = try cli.run(["log", "--word", "IEEE", "--archive", cli.archive])
        #expect(found.status == 0)
        #expect(found.stdout.contains("I triple E") && found.stdout.contains("current"))
        let json = try cli.run(["log", "--word", "IEEE", "--json", "--archive", cli.archive])
        let versions = try JSONDecoder().decode([WordHistory.Version].self, from: Data(json.stdout.utf8))
        #expect(versions.map(\.translation) == ["I triple E"] && versions.first?.endSnapshot == nil)
        let none = try cli.run(["log", "--word", "ieee", "--archive", cli.archive])
        #expect(none.status == 1 && none.stdout.isEmpty)
        #expect(try cli.run(["log", "--word", "ieee", "--ignore-case", "--archive", cli.archive]).status == 0)
        expectOneLineError(try cli.run(["log", "--model", "B", "--archive", cli.archive]), status: 2, containing: "\"A\"")
        #expect(try cli.run(["log", "--archive", cli.archive]).status == 64)
    }

    static func importedFolder(_ dir: TempDir) async throws -> DirectorySource {
        let folder = dir.path("import")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(#"{"customization_id":"a1a1a1a1-0000-4000-8000-000000000001","name":"A","language":"en-US","words":[{"word":"IEEE","translation":"I triple E"}],"prompts":[]}"#.utf8)
            .write(to: URL(fileURLWithPath: folder + "/a1a1a1a1-0000-4000-8000-000000000001.json"))
        return try DirectorySource(directory: folder)
    }
}
