import Foundation

/// A named pause point on the service side, for tests that must stop a client at an exact step: the
/// `skip + 1`-th `/v1` request matching a method and a path is held unanswered until ``release()``.
/// ``reached()`` returns once it arrives, so a test knows the client is waiting on exactly that answer (and
/// can kill it there) without guessing a time.
public final class RequestHold: @unchecked Sendable {
    public enum PathMatch: Sendable, Equatable {
        case exact(String)
        case prefix(String)
        /// `/v1/customizations/{id}/words` and `.../words/{word}`.
        case suffix(String)

        func matches(_ path: String) -> Bool {
            switch self {
            case .exact(let p): path == p
            case .prefix(let p): path.hasPrefix(p)
            case .suffix(let s): path.hasSuffix(s)
            }
        }
    }

    let method: String
    let path: PathMatch
    private let lock = NSLock()
    private var toSkip: Int
    private var taken = false
    private var arrived = false
    private var released = false
    private var finished = false
    private var arrivalWaiters: [CheckedContinuation<Void, Never>] = []
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []

    init(method: String, path: PathMatch, skip: Int) {
        self.method = method.uppercased()
        self.path = path
        self.toSkip = skip
    }

    /// Whether this request is the one to hold (counts matching requests; true once).
    func claims(method: String, path: String) -> Bool {
        lock.withLock {
            guard !taken, method == self.method, self.path.matches(path) else { return false }
            if toSkip > 0 {
                toSkip -= 1
                return false
            }
            taken = true
            return true
        }
    }

    /// Returns once the held request has arrived.
    public func reached() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { arrived ? true : { arrivalWaiters.append(c); return false }() }
            if now { c.resume() }
        }
    }

    /// Lets the held request go on, and returns once the service has handled it (its effect, such as a
    /// created model, is in the store whether or not the client is still there to read the answer).
    public func release() async {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            released = true
            defer { releaseWaiters = [] }
            return releaseWaiters
        }
        for w in waiters { w.resume() }
        let pending = lock.withLock { taken }
        guard pending else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { finished ? true : { finishWaiters.append(c); return false }() }
            if now { c.resume() }
        }
    }

    /// Called by the responder for the held request: signals arrival, waits for release.
    func hold() async {
        let arrivals = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            arrived = true
            defer { arrivalWaiters = [] }
            return arrivalWaiters
        }
        for w in arrivals { w.resume() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { released ? true : { releaseWaiters.append(c); return false }() }
            if now { c.resume() }
        }
    }

    /// Called by the responder once the held request was handled.
    func finish() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            finished = true
            defer { finishWaiters = [] }
            return finishWaiters
        }
        for w in waiters { w.resume() }
    }
}

extension FaultInjector {
    /// Holds the `skip + 1`-th request with this method whose path (from `/v1/` on) matches, until released.
    public func hold(_ method: String, _ path: RequestHold.PathMatch, skip: Int = 0) -> RequestHold {
        let hold = RequestHold(method: method, path: path, skip: skip)
        addHold(hold)
        return hold
    }
}

/// Holds placed over HTTP (`POST /_emulator/holds`), so that a test driving the real binary can stop it at a named
/// request, wait for it to arrive, and release it, as in-process tests do with ``RequestHold``.
final class NamedHolds: @unchecked Sendable {
    // @unchecked: `holds` and `next` are touched only under `lock`.
    private let lock = NSLock()
    private var holds: [Int: RequestHold] = [:]
    private var next = 1

    func add(_ hold: RequestHold) -> Int {
        lock.withLock {
            defer { next += 1 }
            holds[next] = hold
            return next
        }
    }

    func hold(_ id: Int) -> RequestHold? { lock.withLock { holds[id] } }
}
