import ArchiveCore
import Foundation

/// How the CLI reads a job's progress events (``JobProgress``): a one-line display on a terminal, and the last
/// event kept for the summary printed afterwards (its warnings, under `--json`, go to stderr).
final class JobDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private var last: JobProgress?
    private var shown = false
    /// Draw the progress line (stderr is a terminal and the output is not JSON).
    let interactive: Bool

    init(json: Bool) { interactive = Output.stderrIsTerminal && !json }

    /// The sink to hand to the job.
    var sink: JobProgressSink { { [self] progress in receive(progress) } }

    /// The newest event.
    var latest: JobProgress? { lock.withLock { last } }

    private func receive(_ progress: JobProgress) {
        lock.withLock {
            last = progress
            guard interactive, progress.phase != .done else { return }
            shown = true
            Output.progress(Self.line(progress))
        }
    }

    /// Clears the progress line, if one was drawn.
    func close() {
        lock.withLock {
            if shown { Output.progressDone() }
            shown = false
        }
    }

    /// Under `--json` (the summary has no place for them): the job's warnings, one stderr line each.
    func printWarnings() {
        for warning in latest?.warnings ?? [] { Output.stderr("tts-archive: warning: \(warning)") }
    }

    /// Clears the progress line and prints a journaled job's report: `--json` on stdout with the job's warnings on
    /// stderr (the report's JSON has no place for them), else `text`. Restore and sync end this way.
    func printReport<Report: Encodable>(_ report: Report, json: Bool, text: (Report) -> Void) throws {
        close()
        if json {
            try Output.json(report)
            printWarnings()
        } else {
            text(report)
        }
    }

    /// `restore replay: models 3/10, words 1200/5000`; words without a known total are counted alone
    /// (`snapshot fetch: models 3/10, words 1200`); a phase without counts is named alone.
    static func line(_ p: JobProgress) -> String {
        var parts: [String] = []
        if p.modelsTotal > 0 { parts.append("models \(p.modelsDone)/\(p.modelsTotal)") }
        if p.wordsTotal > 0 { parts.append("words \(p.wordsDone)/\(p.wordsTotal)") } else if p.wordsDone > 0 { parts.append("words \(p.wordsDone)") }
        return "\(p.job) \(p.phase)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }
}
