import ArchiveCore
import Foundation

/// The archive stores requests read through, kept open between requests. Opening the archive for every read (as
/// a CLI command does: SQLite reads and parses the schema, then the file's identity and migrations are checked)
/// was half of the CPU of a `GET /v1/snapshots`. A kept store reads what a fresh open would: commits of other
/// connections and processes (a CLI snapshot) are seen by the next read transaction (WAL, and a kept store holds
/// no transaction between requests), and a store that no longer reads the archive as it was checked (the file
/// replaced, unreadable, migrated by a newer binary: ``ArchiveStore/isCurrent()``) is closed and a fresh one
/// opened, which answers the archive's state or the error the CLI would. A store whose read threw is closed too.
final class ReadStores: @unchecked Sendable {
    // @unchecked: `idle` is touched only under `lock`; a store taken out of it is used by one request at a time.
    private let lock = NSLock()
    private var idle: [ArchiveStore] = []
    let path: String
    /// Stores kept idle at most: reads are synchronous, so about one per thread of the cooperative pool.
    let kept: Int
    private var openedCount = 0
    /// Stores opened (not taken from the kept ones): tests read it.
    var opened: Int { lock.withLock { openedCount } }

    init(path: String, kept: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.path = path
        self.kept = kept
    }

    /// Runs `body` with a store of its own (a kept one that is still current, else a new one).
    func read<T>(_ body: (ArchiveStore) throws -> T) throws -> T {
        let store = try take()
        let result = try body(store)
        putBack(store)
        return result
    }

    private func take() throws -> ArchiveStore {
        while let store = lock.withLock({ idle.popLast() }) {
            if store.isCurrent() { return store }
        }
        let store = try ArchiveStore(path: path, access: .read)
        lock.withLock { openedCount += 1 }
        return store
    }

    private func putBack(_ store: ArchiveStore) {
        lock.withLock {
            if idle.count < kept { idle.append(store) }
        }
    }
}
