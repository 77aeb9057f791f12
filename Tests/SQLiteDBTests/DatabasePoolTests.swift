import Foundation
import TestSupport
import Testing
@testable import SQLiteDB

@Suite struct DatabasePoolTests {
    let dir: TempDir
    let pool: DatabasePool

    init() throws {
        dir = try TempDir()
        let db = try Database(path: dir.path("pool.sqlite"))
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        pool = DatabasePool(db)
    }

    func count() throws -> Int { try pool.read { try $0.scalar("SELECT count(*) FROM t") } }

    @Test func readersRunWhileTheWriterWritesAndSeeOnlyCommittedRows() throws {
        try pool.write { db in try db.run("INSERT INTO t (n) VALUES (1)") }
        try pool.write { db in
            try db.run("INSERT INTO t (n) VALUES (2)")
            // The write transaction is open: two readers at once (nested, so two connections), neither waits
            // for the writer, and both see the committed state only.
            let (outer, inner) = try pool.read { r1 -> (Int, Int) in
                let a: Int = try r1.scalar("SELECT count(*) FROM t")
                let b: Int = try pool.read { r2 in
                    #expect(r2 !== r1)
                    return try r2.scalar("SELECT count(*) FROM t")
                }
                return (a, b)
            }
            #expect(outer == 1 && inner == 1)
            #expect(try db.scalar("SELECT count(*) FROM t", as: Int.self) == 2)
        }
        #expect(try count() == 2)
    }

    @Test func aWriterCommitsWhileAReadIsOpenAndTheReadKeepsItsState() throws {
        try pool.write { db in try db.run("INSERT INTO t (n) VALUES (1)") }
        let pool = pool
        try pool.read { r throws in
            #expect(try r.scalar("SELECT count(*) FROM t", as: Int.self) == 1)
            // Another thread writes and commits while this read transaction is open: it does not wait for us.
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var failure: (any Error)?
            Thread.detachNewThread {
                do { try pool.write { try $0.run("INSERT INTO t (n) VALUES (2)") } } catch { failure = error }
                done.signal()
            }
            done.wait()
            #expect(failure == nil)
            #expect(try r.scalar("SELECT count(*) FROM t", as: Int.self) == 1)  // one state for the whole read
        }
        #expect(try count() == 2)
    }

    @Test func aReadOnTheWriterLeavesSQLitesWriteLockFree() throws {
        try pool.write { db in try db.run("INSERT INTO t (n) VALUES (1)") }
        let other = try Database(path: dir.path("pool.sqlite"), busyTimeout: .zero)
        try pool.readOnWriter { db in
            #expect(try db.scalar("SELECT count(*) FROM t", as: Int.self) == 1)
            // Another process's connection writes (and would get SQLITE_BUSY at once if the write lock were held).
            try other.run("INSERT INTO t (n) VALUES (2)")
            #expect(try db.scalar("SELECT count(*) FROM t", as: Int.self) == 1)
        }
        #expect(try count() == 2)
    }

    @Test func aWriteIsAllOrNothing() async throws {
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try pool.write { db in
                try db.run("INSERT INTO t (n) VALUES (1)")
                try db.run("INSERT INTO t (n) VALUES (2)")
                throw Refused()
            }
        }
        await #expect(throws: Refused.self) {
            try await pool.write { db in
                try db.run("INSERT INTO t (n) VALUES (3)")
                throw Refused()
            }
        }
        // A failing statement half-way (NOT NULL) rolls back the rows before it too.
        await #expect(throws: SQLiteError.self) {
            try await pool.write { db in
                try db.run("INSERT INTO t (n) VALUES (4)")
                try db.run("INSERT INTO t (n) VALUES (NULL)")
            }
        }
        #expect(try count() == 0)
        try await pool.write { db in try db.run("INSERT INTO t (n) VALUES (5)") }
        #expect(try count() == 1)
    }

    @Test func aCancelledTaskCommitsNothing() async throws {
        let task = Task {
            try await pool.write { db in
                try db.run("INSERT INTO t (n) VALUES (1)")
                withUnsafeCurrentTask { $0?.cancel() }  // cancelled while its transaction is open
            }
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        // Cancelled before it asks: it never writes.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await pool.write { db in try db.run("INSERT INTO t (n) VALUES (2)") }
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(try count() == 0)
    }

    @Test func concurrentWritersAndReadersAreSerializedWithoutLostUpdates() async throws {
        try await pool.write { db in try db.run("INSERT INTO t (id, n) VALUES (1, 0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<50 {
                        // Read-modify-write: a lost update would show if two writers ever overlapped.
                        try await pool.write { db in
                            let n: Int = try db.scalar("SELECT n FROM t WHERE id = 1")
                            try db.run("UPDATE t SET n = ? WHERE id = 1", n + 1)
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<50 {
                        let n: Int = try pool.read { try $0.scalar("SELECT n FROM t WHERE id = 1") }
                        #expect(n >= 0 && n <= 400)
                    }
                }
            }
            // A blocking writer on another thread takes its turn among the tasks.
            group.addTask {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    Thread.detachNewThread {
                        c.resume(with: Result {
                            for _ in 0..<50 {
                                try pool.write { db in
                                    let n: Int = try db.scalar("SELECT n FROM t WHERE id = 1")
                                    try db.run("UPDATE t SET n = ? WHERE id = 1", n + 1)
                                }
                            }
                        })
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try pool.read { try $0.scalar("SELECT n FROM t WHERE id = 1", as: Int.self) } == 450)
    }
}
