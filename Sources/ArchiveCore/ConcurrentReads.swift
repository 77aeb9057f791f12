import Dispatch
import SQLiteDB

extension Database {
    /// Runs `read` for each job at once: the first on this connection, each other one on a read-only connection of
    /// its own (one connection per thread, as SQLite wants). One after another on this connection when `parallel`
    /// is false or another connection cannot be opened. Results come back in job order.
    func readConcurrently<Job, T>(_ jobs: [Job], parallel: Bool, _ read: (Job, Database) throws -> T) throws -> [T] {
        // Another connection to ":memory:" would open another, empty, database.
        let others: [Database]? = parallel && jobs.count > 1 && path != ":memory:"
            ? try? jobs.dropFirst().map { _ in try Database(path: path, mode: .readOnly) } : nil
        guard let others else { return try jobs.map { try read($0, self) } }
        // Each connection is used by exactly one job, on one thread.
        nonisolated(unsafe) let connections = [self] + others
        nonisolated(unsafe) let jobs = jobs
        return try withoutActuallyEscaping(read) { read in
            nonisolated(unsafe) let read = read
            return try concurrentMap(jobs.count) { i in Result { try read(jobs[i], connections[i]) } }.map { try $0.get() }
        }
    }
}

/// `body(0..<count)` run at once on the cores, the results in index order.
func concurrentMap<T>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    let slots = Slots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, body(i)) }
    return slots.values()
}

/// One value per concurrent job: each index is written by exactly one job and read after all have finished.
private final class Slots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    func set(_ i: Int, _ value: Value) { storage[i] = value }
    func values() -> [Value] { storage.map { $0! } }
}
