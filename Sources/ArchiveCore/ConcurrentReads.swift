import Dispatch
import Foundation
import SQLiteDB

extension Database {
    /// Runs `read` for each job, on as many threads as there are cores (or jobs): this connection and read-only
    /// connections of its own for the others (one connection per thread, as SQLite wants). Jobs start in order,
    /// each on the next free thread. One after another on this connection when `parallel` is false or another
    /// connection cannot be opened. Results come back in job order.
    func readConcurrently<Job, T>(_ jobs: [Job], parallel: Bool, cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                                  _ read: (Job, Database) throws -> T) throws -> [T] {
        let width = min(jobs.count, max(1, cores))
        // Another connection to ":memory:" would open another, empty, database. A connection per thread, not per
        // job: each one opened reads the schema and maps the pages it touches again.
        let others: [Database]? = parallel && width > 1 && path != ":memory:" ? try? readers(width - 1) : nil
        guard let others else { return try jobs.map { try read($0, self) } }
        nonisolated(unsafe) let connections = [self] + others
        nonisolated(unsafe) let jobs = jobs
        let queue = JobCounter()
        let results = Slots<Result<T, any Error>>(count: jobs.count)
        withoutActuallyEscaping(read) { read in
            nonisolated(unsafe) let read = read
            DispatchQueue.concurrentPerform(iterations: width) { thread in
                while let i = queue.next(below: jobs.count) {
                    results.set(i, Result { try read(jobs[i], connections[thread]) })
                }
            }
        }
        return try results.values().map { try $0.get() }
    }
}

/// Hands out 0, 1, 2, ... to threads that ask at once.
private final class JobCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0

    func next(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < count else { return nil }
        issued += 1
        return issued - 1
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
