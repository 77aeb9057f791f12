/// One writing job of this server at a time, before it takes the archive's run lock (``ArchiveCore/ArchiveLock``,
/// a `flock` that two holders in one process would also fight over). Server jobs queue here, first come first
/// served (a queued operation is Running with phase `waiting`); the run lock then tells them apart from another
/// process (the CLI from cron), which fails the job with `locked`. A waiting task that is cancelled stops waiting.
actor WriterGate {
    private var held = false
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    /// Tasks waiting now (tests read it instead of timing anything).
    var waiting: Int { waiters.count }

    func acquire() async throws {
        if !held {
            held = true
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Takes the gate only if it is free.
    func tryAcquire() -> Bool {
        if held { return false }
        held = true
        return true
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().continuation.resume()  // the gate passes straight to the next waiter
        }
    }

    private func cancelWaiter(_ id: Int) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }
}
