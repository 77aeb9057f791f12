import Dispatch
import Foundation

/// Serialized access to one database file from concurrent tasks and threads: one writer connection, used by one
/// caller at a time (writers queue in the order they ask), and read-only connections for readers, which run at
/// the same time as each other and as the writer (WAL: a reader sees the last committed state, and neither side
/// waits for the other). GRDB's `DatabasePool` is the model.
///
/// Every write runs in a transaction that commits when its body returns and rolls back when it throws, so a
/// write is all or nothing. Bodies are synchronous: a transaction never spans an `await` (a network call), so
/// writers hold the write lock only as long as their SQL takes. Work that must be atomic across a long fetch
/// stages what it fetched elsewhere and commits it in one write at the end.
///
/// This type is the only place the connections are shared: callers never pass a ``Database`` between tasks.
public final class DatabasePool: @unchecked Sendable {
    // @unchecked: `writer` is used only by the holder of `writerLock`; `idleReaders` only under `readersLock`.
    private let writer: Database
    private let writerLock = WriterLock()
    private let readersLock = NSLock()
    private var idleReaders: [Database] = []
    private let keptReaders: Int

    public var path: String { writer.path }

    /// Readers close before the writer: the last connection to close folds the WAL into the file, and only a
    /// writable one can.
    deinit {
        readersLock.withLock { idleReaders.removeAll() }
    }

    /// Shares `writer` (an open, writable or read-only connection that nothing else uses from now on).
    /// Readers open read-only connections to the same file on demand and keep up to `keptReaders` of them.
    public init(_ writer: Database, keptReaders: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.writer = writer
        self.keptReaders = max(1, keptReaders)
    }

    // MARK: Writing

    /// Runs `body` in a write transaction on the writer connection, waiting (suspended, not blocking a thread)
    /// for the writer's turn. Commits when `body` returns; rolls back when it throws, and when the task is
    /// cancelled before the commit (then throws `CancellationError`): a cancelled task writes nothing.
    public func write<T>(_ kind: Database.TransactionKind = .immediate, _ body: (Database) throws -> T) async throws -> T {
        try Task.checkCancellation()
        await writerLock.acquire()
        defer { writerLock.release() }
        return try writer.transaction(kind) {
            let result = try body(writer)
            try Task.checkCancellation()
            return result
        }
    }

    /// Runs `body` in a write transaction on the writer connection, blocking this thread until the writer's turn:
    /// for synchronous code. Commits when `body` returns; rolls back when it throws. Not reentrant: a `body`
    /// that writes again nests with ``Database/transaction(_:_:)`` on the connection it is given.
    public func write<T>(_ kind: Database.TransactionKind = .immediate, _ body: (Database) throws -> T) throws -> T {
        writerLock.acquireBlocking()
        defer { writerLock.release() }
        return try writer.transaction(kind) { try body(writer) }
    }

    /// Runs `body` on the writer connection outside any transaction (statements that cannot run in one, such
    /// as `VACUUM` or a WAL checkpoint), blocking this thread until the writer's turn.
    public func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        writerLock.acquireBlocking()
        defer { writerLock.release() }
        return try body(writer)
    }

    // MARK: Reading

    /// Runs `body` in a read transaction on the writer connection, in the writer's turn (so briefly: one read),
    /// without taking SQLite's write lock: other processes write meanwhile. For a job that reads much of the file
    /// and then writes: one connection maps the file's pages and caches them once, where a reader connection
    /// would map and fault them in again (a second copy counted in the process's memory).
    public func readOnWriter<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in try db.transaction(.deferred) { try body(db) } }
    }

    /// Runs `body` in a read transaction on a read-only connection of its own (one consistent state for the
    /// whole body), at the same time as other readers and the writer. A database that another connection cannot
    /// open (`:memory:`) is read through the writer connection, in its turn.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        guard writer.path != ":memory:", !writer.path.isEmpty else {
            return try writeWithoutTransaction { db in try db.transaction(.deferred) { try body(db) } }
        }
        let reader = try takeReader()
        defer { putBack(reader) }
        return try reader.transaction(.deferred) { try body(reader) }
    }

    private func takeReader() throws -> Database {
        readersLock.lock()
        let idle = idleReaders.popLast()
        readersLock.unlock()
        return try idle ?? Database(path: writer.path, mode: .readOnly)
    }

    private func putBack(_ reader: Database) {
        readersLock.lock()
        defer { readersLock.unlock() }
        if idleReaders.count < keptReaders { idleReaders.append(reader) }
    }
}

/// A lock handed to waiters in the order they asked, which tasks wait for suspended and threads blocked.
private final class WriterLock: @unchecked Sendable {
    // @unchecked: `held` and `waiters` are touched only under `lock`.
    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)
    }

    private let lock = NSLock()
    private var held = false
    private var waiters: [Waiter] = []

    func acquire() async {
        if tryAcquire() { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !tryAcquire(orWait: .task(continuation)) { return }
            continuation.resume()
        }
    }

    /// Takes the lock when free (true); else queues `waiter`, if any, to be handed the lock (false).
    private func tryAcquire(orWait waiter: Waiter? = nil) -> Bool {
        lock.withLock {
            if !held {
                held = true
                return true
            }
            if let waiter { waiters.append(waiter) }
            return false
        }
    }

    func acquireBlocking() {
        lock.lock()
        if !held {
            held = true
            lock.unlock()
            return
        }
        let semaphore = DispatchSemaphore(value: 0)
        waiters.append(.thread(semaphore))
        lock.unlock()
        semaphore.wait()
    }

    /// Hands the lock to the first waiter (it stays held), or frees it.
    func release() {
        lock.lock()
        guard !waiters.isEmpty else {
            held = false
            lock.unlock()
            return
        }
        let next = waiters.removeFirst()
        lock.unlock()
        switch next {
        case .task(let continuation): continuation.resume()
        case .thread(let semaphore): semaphore.signal()
        }
    }
}
