/// Limits how many tasks hold a permit at once (the client's requests in flight, the server's one writing job);
/// waiters are served first come, first served. A waiting task that is cancelled stops waiting and throws
/// `CancellationError`.
public actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    public init(permits: Int) { self.permits = permits }

    /// Tasks waiting for a permit now (tests read it to see callers held back without timing them).
    public var waiting: Int { waiters.count }

    public func acquire() async throws {
        if permits > 0 {
            permits -= 1
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

    /// Takes a permit only if one is free.
    public func tryAcquire() -> Bool {
        guard permits > 0 else { return false }
        permits -= 1
        return true
    }

    public func release() {
        if waiters.isEmpty {
            permits += 1
        } else {
            // The permit passes straight to the next waiter.
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancelWaiter(_ id: Int) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }

    public nonisolated func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
