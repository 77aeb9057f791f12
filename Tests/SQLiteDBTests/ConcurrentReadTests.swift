import Foundation
import Synchronization
import TestSupport
import Testing
@testable import SQLiteDB

/// `Database.readConcurrently`: the SQLite layer hands each thread a connection of its own and gives the
/// results back in job order.
@Suite struct ConcurrentReadTests {
    struct Odd: Error, Equatable { var n: Int }

    @Test func jobsRunOnConnectionsOfTheirOwnAndComeBackInOrder() throws {
        let dir = try TempDir()
        let db = try Database(path: dir.path("r.sqlite"))
        try db.execute("CREATE TABLE t (n INTEGER NOT NULL)")
        try db.transaction { for n in 0..<100 { try db.run("INSERT INTO t (n) VALUES (?)", n) } }
        let used = Mutex<Set<ObjectIdentifier>>([])
        let sums = try db.readConcurrently(Array(0..<40), width: 4) { job, connection -> Int in
            used.withLock { _ = $0.insert(ObjectIdentifier(connection)) }
            return try connection.scalar("SELECT coalesce(sum(n), 0) FROM t WHERE n < ?", job)
        }
        #expect(sums == (0..<40).map { $0 * ($0 - 1) / 2 })
        #expect(used.withLock { $0.count } >= 1 && used.withLock { $0.count } <= 4)
        let alone = try db.readConcurrently([1, 2, 3], width: 1) { job, c in (job, c === db) }
        #expect(alone.map(\.0) == [1, 2, 3] && alone.allSatisfy(\.1))
        #expect(throws: Odd(n: 3)) {
            try db.readConcurrently(Array(0..<10), width: 3) { job, _ -> Int in
                if job % 2 == 1, job >= 3 { throw Odd(n: job) }
                return job
            }
        }
    }

    @Test func aMemoryDatabaseIsReadOnItsOwnConnection() throws {
        let db = try Database(path: ":memory:")
        let results = try db.readConcurrently([1, 2, 3], width: 4) { job, c in (job * 2, c === db) }
        #expect(results.map(\.0) == [2, 4, 6] && results.allSatisfy(\.1))
    }
}
