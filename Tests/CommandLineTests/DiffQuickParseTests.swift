import ArgumentParser
import TestSupport
import Testing
@testable import tts_archive

/// `diff`'s quick parser must read every command line it accepts exactly as argument-parser does, and accept
/// the usual ones (else every diff pays argument-parser's start-up again).
@Suite struct DiffQuickParseTests {
    /// argument-parser's reading of `diff ARGS`, or nil when it refuses them (or they ask for help).
    static func full(_ arguments: [String]) -> DiffRequest? {
        (try? TTSArchive.parseAsRoot(["diff"] + arguments) as? Diff)?.request
    }

    @Test func usualCommandLinesTakeTheQuickPath() throws {
        let lines: [[String]] = [
            [],
            ["latest~1", "latest"],
            ["1", "latest", "--stat"],
            ["--json", "latest~1", "latest", "--archive", "/tmp/a.sqlite"],
            ["--archive=/tmp/a.sqlite", "before-migration", "latest", "--name-only"],
            ["--from-at", "2026-11-14", "latest", "--model", "Medical terms", "--model", "c1", "--language=ja-JP"],
            ["--to-at", "2026-11-14T03:00:00Z", "--match-by", "name"],
            ["3", "--match-by=id", "--language", "en-US", "--language", "日本語"],
        ]
        for line in lines {
            let quick = try #require(DiffRequest.quick(line), "\(line)")
            #expect(quick == Self.full(line), "\(line)")
        }
        let request = DiffRequest.quick(["--from-at", "2026-11-14", "7", "--model", "a", "--model=b", "--stat"])
        #expect(request == DiffRequest(from: "7", fromAt: "2026-11-14", models: ["a", "b"], stat: true))
    }

    @Test func everythingElseIsLeftToArgumentParser() {
        let lines: [[String]] = [
            ["latest", "live"], ["live"], ["--help"], ["-h"], ["help"], ["--version"], ["--", "latest"],
            ["--url", "http://127.0.0.1:1"], ["--service-name", "x", "latest", "live"], ["--statx"],
            ["--stat", "--stat"], ["--stat=yes"], ["--archive", "a", "--archive", "b"], ["--model"],
            ["--model", "--stat"], ["a", "b", "c"], ["-1", "latest"], ["--json", "--stat"], ["--match-by", "size"],
            ["--from-at", "2026-01-01", "a", "b"], ["live", "live"], ["--generate-completion-script", "bash"],
        ]
        for line in lines { #expect(DiffRequest.quick(line) == nil, "\(line)") }
    }

    /// Thousands of random command lines from diff's own vocabulary and a few strangers: wherever the quick
    /// parser answers, argument-parser answers the same.
    @Test func bothParsersAgreeWhereverTheQuickOneAnswers() throws {
        let vocabulary = [
            "--archive", "--from-at", "--to-at", "--match-by", "--model", "--language", "--stat", "--name-only", "--json",
            "1", "latest", "latest~1", "before", "live", "help", "-1", "", "name", "id", "2026-11-14", "Medical terms",
            "日本語", "--", "-h", "--help", "--url", "--statx", "--model=x", "--archive=", "--stat=1", "--match-by=name",
            "--from-at=2026-01-01", "-", "--to-at=", "--language=en-US=x",
        ]
        var random = SplitMix(state: 20261122)
        var answered = 0
        for _ in 0..<1500 {
            let line = (0..<Int.random(in: 0...6, using: &random)).map { _ in vocabulary.randomElement(using: &random)! }
            guard let quick = DiffRequest.quick(line) else { continue }
            answered += 1
            #expect(quick == Self.full(line), "\(line)")
        }
        #expect(answered > 300, "only \(answered) lines compared")  // the comparison really ran on many lines
    }
}
