import Foundation
import SQLiteDB

/// Tags, notes, forgetting and copying: the changes to an archive that are not snapshots.
public struct ArchiveMaintenance {
    let store: ArchiveStore
    var db: Database { store.db }
    static let open = SnapshotWriter.open

    public init(_ store: ArchiveStore) { self.store = store }

    // Tags and notes need no archive lock: each is one short write transaction through the pool (between the
    // writes of jobs sharing the store), which SQLite serializes with other processes' (none spans a network
    // call), waiting up to its busy timeout. A write still busy after that is reported as the archive being locked.

    public func addTags(_ tags: [String], to snapshot: Int64) throws {
        for t in tags { try SnapshotSelector.validateTag(t) }
        try shortWrite { db in
            for t in tags { try db.run("INSERT OR IGNORE INTO snapshot_tags (snapshot, tag) VALUES (?, ?)", snapshot, t) }
        }
    }

    public func removeTags(_ tags: [String], from snapshot: Int64) throws {
        try shortWrite { db in
            for t in tags { try db.run("DELETE FROM snapshot_tags WHERE snapshot = ? AND tag = ?", snapshot, t) }
        }
    }

    public func setNote(_ note: String?, on snapshot: Int64) throws {
        try shortWrite { try $0.run("UPDATE snapshots SET note = ? WHERE id = ?", note, snapshot) }
    }

    private func shortWrite(_ body: (Database) throws -> Void) throws {
        do {
            let _: Void = try store.pool.write { db in try body(db) }
        } catch let error as SQLiteError where error.isBusy {
            throw ArchiveStore.translate(error, path: store.path)
        }
    }

    /// The keep/forget decision for every snapshot, lineage by lineage.
    ///
    /// Refuses a plan a typo could have made: a `tags` rule naming a tag no snapshot has (a keep rule that keeps
    /// nothing), and, unless `allowEmpty`, a plan that forgets every snapshot of a lineage.
    /// `sourceURL` limits the plan to the snapshots of one service source (every scope of it): the server's
    /// `keep:` rules, applied after a source's scheduled snapshot, where a kept tag no snapshot has yet
    /// (`unknownTagsAllowed`) is no typo but a tag still to come.
    public func plan(_ policy: RetentionPolicy, allowEmpty: Bool = false, sourceURL: String? = nil,
                     unknownTagsAllowed: Bool = false) throws -> [RetentionPolicy.Decision] {
        guard !policy.isEmpty else { throw RetentionError.noPolicy }
        let rows = try db.query("""
            SELECT s.id, s.source, s.finished_at,
                   (SELECT group_concat(tag, char(10)) FROM snapshot_tags t WHERE t.snapshot = s.id)
            FROM snapshots s
            WHERE ?1 IS NULL OR s.source IN (SELECT id FROM sources WHERE kind = 'service' AND url = ?1)
            ORDER BY s.id
            """, sourceURL) { (id: $0.int64(0), source: $0.int64(1), finishedAt: $0.text(2) ?? "", tags: ($0.text(3) ?? "").split(separator: "\n").map(String.init)) }
        let existingTags = Set(rows.flatMap(\.tags))
        if !unknownTagsAllowed, let unknown = policy.tags.first(where: { !existingTags.contains($0) }) {
            throw RetentionError.unknownTag(unknown, existing: existingTags.sorted())
        }
        let sources = Dictionary(grouping: rows, by: \.source).keys.sorted()
        var decisions: [RetentionPolicy.Decision] = []
        for source in sources {
            let lineage = policy.decide(rows.filter { $0.source == source }.map { ($0.id, $0.finishedAt, $0.tags) })
            if !allowEmpty, !lineage.isEmpty, !lineage.contains(where: \.keep) {
                let url: String = try db.scalar("SELECT url FROM sources WHERE id = ?", source)
                let scope: String = try db.scalar("SELECT scope FROM sources WHERE id = ?", source)
                throw RetentionError.wouldForgetLineage(source: scope.isEmpty ? url : "\(url) (\(scope))", snapshots: lineage.count)
            }
            decisions += lineage
        }
        return try keepingLastSynced(decisions)
    }

    /// The targets whose sync pairing names each snapshot as the one they last equalled: a sync diffs from it,
    /// so retention keeps it whatever the rules say.
    public func lastSynced() throws -> [Int64: [String]] {
        guard try SyncJournal.hasTables(db) else { return [:] }
        var targets: [Int64: [String]] = [:]
        for (snapshot, target) in try db.query("SELECT snapshot, target FROM sync_targets ORDER BY target", map: { ($0.int64(0), $0.text(1) ?? "") }) {
            targets[snapshot, default: []].append(target)
        }
        return targets
    }

    private func keepingLastSynced(_ decisions: [RetentionPolicy.Decision]) throws -> [RetentionPolicy.Decision] {
        let synced = try lastSynced()
        return decisions.map { d in
            guard let targets = synced[d.snapshot] else { return d }
            var d = d
            d.keep = true
            d.reasons += targets.map { "last synced to \($0)" }
            return d
        }
    }

    /// The decision for forgetting exactly `ids` (snapshots named one by one): every other snapshot is kept.
    /// A named snapshot that a sync target last equalled is refused (``RetentionError/lastSynced(snapshot:targets:)``:
    /// the target's next sync would have nothing to diff from) unless `force`.
    public func plan(forgetting ids: [Int64], force: Bool = false) throws -> [RetentionPolicy.Decision] {
        let named = Set(ids)
        let rows = try db.query("SELECT id, finished_at FROM snapshots ORDER BY finished_at DESC, id DESC") { ($0.int64(0), $0.text(1) ?? "") }
        let synced = try lastSynced()
        if !force, let id = ids.first(where: { synced[$0] != nil }) {
            throw RetentionError.lastSynced(snapshot: id, targets: synced[id] ?? [])
        }
        return rows.map { id, finishedAt in
            var reasons = named.contains(id) ? ["named"] : []
            if let targets = synced[id] { reasons += targets.map { "last synced to \($0)" } }
            return RetentionPolicy.Decision(snapshot: id, finishedAt: finishedAt, keep: !named.contains(id), reasons: reasons)
        }
    }

    public struct ForgetResult: Sendable, Equatable, Codable {
        public var forgotten: [Int64]
        public var rowsRemoved: Int
        public var bytesBefore: Int64
        public var bytesAfter: Int64
    }

    /// Forgets snapshots and removes every row no surviving snapshot needs, in one transaction; surviving
    /// snapshots keep their content (and digest). With `vacuum`, the file is then rewritten to give the space
    /// back to the file system.
    ///
    /// `progress` receives the phases `forget` and (with `vacuum`) `vacuum`, then `done`. Task cancellation
    /// before the transaction commits rolls it back: the archive is unchanged and `CancellationError` is thrown.
    /// Once committed, the forget completes (the vacuum included).
    public func forget(_ ids: [Int64], vacuum: Bool, progress: JobProgressSink? = nil) throws -> ForgetResult {
        let reporter = JobReporter(job: "forget", sink: progress)
        reporter.begin(.forget)
        let before = try db.logicalSize()
        var removed = 0
        try db.transaction {
            for id in ids {
                try Task.checkCancellation()
                try db.run("DELETE FROM snapshots WHERE id = ?", id)
            }
            // The rows still open of removed models end where their model ended (WordRowEnds): first, while the
            // models' states still say where.
            try db.run("""
                DELETE FROM words WHERE id IN (
                    SELECT r.id FROM (\(WordRowEnds.removedModelsSQL)) e
                    JOIN words r ON r.model = e.model AND r.valid_to = \(SnapshotWriter.open)
                    JOIN models m ON m.id = r.model
                    WHERE NOT EXISTS (SELECT 1 FROM snapshots s
                        WHERE s.source = m.source AND s.id >= r.valid_from AND s.id < e.end))
                """)
            removed += db.changes
            for table in ["words", "model_versions", "model_states", "prompts"] {
                try db.run("""
                    DELETE FROM \(table) WHERE id IN (
                        SELECT r.id FROM \(table) r JOIN models m ON m.id = r.model
                        WHERE NOT EXISTS (SELECT 1 FROM snapshots s
                            WHERE s.source = m.source AND s.id >= r.valid_from AND s.id < r.valid_to))
                    """)
                removed += db.changes
            }
            try db.run("DELETE FROM models WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = models.id)")
            try db.run("DELETE FROM sources WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.source = sources.id) AND NOT EXISTS (SELECT 1 FROM models m WHERE m.source = sources.id)")
            try Task.checkCancellation()  // the last point before the commit
        }
        if vacuum {
            reporter.begin(.vacuum)
            try db.execute("VACUUM")
        }
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let result = ForgetResult(forgotten: ids, rowsRemoved: removed, bytesBefore: before, bytesAfter: try db.logicalSize())
        reporter.finish()
        return result
    }


    /// A consistent copy of the archive (SQLite `VACUUM INTO`) while it stays in use, private (0600), at a new
    /// name. Nothing existing is replaced or written through: the copy goes to a temporary file created in the
    /// destination's folder (O_EXCL|O_NOFOLLOW) and is hard-linked to its name, which fails if the name exists
    /// (a symlink, even a dangling one, included); on file systems without hard links it is renamed with
    /// RENAME_NOREPLACE. The temporary file is removed on every path.
    public func backup(to destination: String) throws {
        var info = stat()
        if lstat(destination, &info) == 0 { throw BackupError.destinationExists(path: destination) }
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        let temp = folder + "/." + url.lastPathComponent + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = createPrivateFile(temp)
        guard fd >= 0 else { throw BackupError.cannotWrite(path: destination, reason: String(cString: strerror(errno))) }
        close(fd)
        defer {
            unlink(temp)
            unlink(temp + "-journal")
        }
        do {
            try db.copy(to: temp)
        } catch let error as SQLiteError {
            if error.isCorrupt { throw ArchiveStore.translate(error, path: store.path) }
            throw BackupError.cannotWrite(path: destination, reason: error.isDiskFull ? "the disk is full" : error.message)
        }
        try Self.placeWithoutReplacing(temp, at: destination)
    }

    /// Gives the file `temp` the name `destination` unless that name exists.
    static func placeWithoutReplacing(_ temp: String, at destination: String) throws {
        if link(temp, destination) == 0 { return }
        let linkErrno = errno
        if linkErrno == EEXIST { throw BackupError.destinationExists(path: destination) }
        // No hard links here (some network and FUSE file systems): an atomic rename that refuses an existing name.
        if [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK].contains(linkErrno), let renameat2 = renameNoReplace {
            if renameat2(AT_FDCWD, temp, AT_FDCWD, destination, 1 /* RENAME_NOREPLACE */) == 0 { return }
            if errno == EEXIST { throw BackupError.destinationExists(path: destination) }
        }
        throw BackupError.cannotWrite(path: destination, reason: String(cString: strerror(linkErrno)))
    }

    /// glibc's renameat2 (not in Swift's Glibc module, which leaves out the GNU extensions), when present.
    static let renameNoReplace: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: -2) /* RTLD_DEFAULT */, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32).self)
    }()
}

/// A new file, mode 0600, never through a symlink; -1 (errno set) when the name exists or cannot be created.
private func createPrivateFile(_ path: String) -> Int32 {
    open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
}

/// Why `archive-backup` wrote no copy. The archive itself is fine.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    case destinationExists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .destinationExists(let p):
            "\(p) already exists (a symlink counts too); a backup never replaces or writes through a file: choose a new name"
        case .cannotWrite(let p, let r): "cannot write the copy \(p): \(r); nothing was written"
        }
    }
}
