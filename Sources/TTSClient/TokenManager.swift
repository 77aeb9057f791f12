import Foundation

/// Caches one token; concurrent callers share a single fetch. A failed proactive refresh falls back to the
/// still-valid old token.
actor TokenManager {
    private let fetch: @Sendable () async throws -> ScheduledToken
    private let now: @Sendable () -> Date
    private var cached: ScheduledToken?
    private var inFlight: (id: Int, task: Task<ScheduledToken, any Error>)?
    private var nextFetchID = 0

    init(now: @escaping @Sendable () -> Date = { Date() }, fetch: @escaping @Sendable () async throws -> ScheduledToken) {
        self.fetch = fetch
        self.now = now
    }

    func token() async throws -> String {
        let current = now()
        if let cached, current < cached.refreshAt { return cached.value }
        let fetchTask: (id: Int, task: Task<ScheduledToken, any Error>)
        if let inFlight {
            fetchTask = inFlight
        } else {
            nextFetchID += 1
            fetchTask = (nextFetchID, Task { [fetch] in try await fetch() })
            inFlight = fetchTask
        }
        do {
            let issued = try await fetchTask.task.value
            if inFlight?.id == fetchTask.id {
                inFlight = nil
                cached = issued
            }
            return issued.value
        } catch {
            if inFlight?.id == fetchTask.id { inFlight = nil }
            if let cached, now() < cached.expiresAt { return cached.value }
            throw error
        }
    }

    /// Forgets `token` after the service refused it, unless a newer one already replaced it.
    func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }
}
