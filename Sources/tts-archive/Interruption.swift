import Dispatch
import Foundation
import Synchronization

/// A job stopped by SIGINT (Ctrl-C) or SIGTERM: its task was cancelled, and the job stopped where cancellation
/// leaves it consistent. `kept` says what that is ("nothing recorded", "the restore can be resumed ...").
///
/// Printed as `tts-archive: error: cancelled by SIGINT: nothing recorded`, exit status 130.
struct Interrupted: Error, CustomStringConvertible {
    var signal: Int32
    var kept: String

    var description: String { "cancelled by \(signal == SIGTERM ? "SIGTERM" : "SIGINT"): \(kept)" }
}

/// How long jobs (snapshot, restore, drill, rollback, forget, import) meet SIGINT and SIGTERM: as task
/// cancellation of the running job, not the end of the process, so the job stops at its next safe point (a
/// snapshot writes nothing, a restore's journal stays resumable) and the command prints one line and exits 130.
/// A second signal ends the process at once (as a kill would, which every job survives).
enum Interruption {
    /// Runs `body` as a task that SIGINT and SIGTERM cancel. When it ends after such a signal with an error (the
    /// job's `CancellationError`, or whatever the cancelled request threw), that error becomes ``Interrupted``.
    static func cancellingOnSignals<T: Sendable>(kept: Kept, _ body: sending @escaping () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let received = Received()
        let sources = [SIGINT, SIGTERM].map { signalNumber in
            // The dispatch source reads the signal instead of its default action (ending the process).
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                // The second signal: the user insists. A kill leaves every job consistent too.
                guard received.first(signalNumber) else { _exit(128 + signalNumber) }
                task.cancel()
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        do {
            return try await task.value
        } catch {
            if let signalNumber = received.signal { throw Interrupted(signal: signalNumber, kept: kept.text) }
            throw error
        }
    }

    /// What a cancelled job keeps, as the command goes on (`snapshot --drill`: nothing, then the snapshot).
    final class Kept: Sendable {
        private let value: Mutex<String>

        init(_ text: String) { value = Mutex(text) }

        var text: String {
            get { value.withLock { $0 } }
            set { value.withLock { $0 = newValue } }
        }
    }

    /// The first signal received.
    private final class Received: Sendable {
        private let value = Mutex<Int32?>(nil)

        var signal: Int32? { value.withLock { $0 } }

        /// Records `signal` if it is the first; true then.
        func first(_ signal: Int32) -> Bool {
            value.withLock {
                guard $0 == nil else { return false }
                $0 = signal
                return true
            }
        }
    }
}
