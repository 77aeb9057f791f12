import ArchiveCore
import Foundation

/// Diffs of two snapshots, kept as the bytes of their `diff --json` document: a committed snapshot never changes,
/// so `GET /v1/diff` of the same two snapshots answers the same bytes (sent as they are: ``EncodedAnswer``). The
/// key holds each side's id, start time and content digest, so a snapshot forgotten and an id naming another one
/// later is another key. Requests for a diff being computed wait for that one
/// computation (one diff of a medium archive costs a second of CPU: sixteen clients asking at once compute it once).
/// The last `capacity` diffs are kept; a failed computation is not.
actor DiffCache {
    struct Side: Hashable, Sendable {
        var id: Int64
        var startedAt: String
        var digest: String
        init(_ r: SnapshotRecord) { (id, startedAt, digest) = (r.id, r.startedAt, r.digest) }
        init(id: Int64, startedAt: String, digest: String) { (self.id, self.startedAt, self.digest) = (id, startedAt, digest) }
    }

    struct Key: Hashable, Sendable {
        var from: Side
        var to: Side
        var matchBy: ContentDiff.MatchBy
    }

    private var entries: [Key: Task<[UInt8], any Error>] = [:]
    private var order: [Key] = []
    let capacity: Int
    /// Diffs computed (not answered from the cache): tests read it.
    private(set) var computed = 0

    init(capacity: Int = 16) { self.capacity = capacity }

    func diff(_ key: Key, compute: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        if let task = entries[key] {
            order.removeAll { $0 == key }
            order.append(key)
            return try await task.value
        }
        computed += 1
        let task = Task { try await compute() }
        entries[key] = task
        order.append(key)
        while order.count > capacity { entries[order.removeFirst()] = nil }
        do {
            return try await task.value
        } catch {
            entries[key] = nil
            order.removeAll { $0 == key }
            throw error
        }
    }
}
