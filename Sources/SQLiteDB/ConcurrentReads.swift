import Dispatch
import Synchronization

extension Database {
    /// Runs `read` for each job on up to `width` threads: this connection, and read-only connections of its own
    /// (``readers(_:)``) for the others, one per thread, as SQLite wants. Jobs start in order, each on the next
    /// free thread. One after another on this connection when `width` is 1 or another connection cannot be
    /// opened (`:memory:`). Results come back in job order; the first job's error, in job order, is thrown.
    ///
    /// The connections are this type's own: callers hand jobs and get results, and never share a connection
    /// between threads themselves.
    public func readConcurrently<Job, T>(_ jobs: [Job], width: Int, _ read: (Job, Database) throws -> T) throws -> [T] {
        let width = min(jobs.count, max(1, width))
        // Another connection to ":memory:" would open another, empty, database. A connection per thread, not per
        // job: each one opened reads the schema and maps the pages it touches again.
        let others: [Database]? = width > 1 && path != ":memory:" && !path.isEmpty ? try? readers(width - 1) : nil
        guard let others else { return try jobs.map { try read($0, self) } }
        nonisolated(unsafe) let connections = [self] + others
        nonisolated(unsafe) let jobs = jobs
        let next = Atomic<Int>(0)
        // One slot per job, written by the one thread that ran it and read once every thread has returned
        // (concurrentPerform's return orders the writes before the reads).
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Result<T, any Error>?>.allocate(capacity: jobs.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        withoutActuallyEscaping(read) { read in
            nonisolated(unsafe) let read = read
            DispatchQueue.concurrentPerform(iterations: width) { thread in
                while case let i = next.wrappingAdd(1, ordering: .relaxed).oldValue, i < jobs.count {
                    results[i] = Result { try read(jobs[i], connections[thread]) }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}
