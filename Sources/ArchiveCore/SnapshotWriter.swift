import Foundation
import SQLiteDB
import TTSAPI

/// Writes one snapshot into the archive in two steps, so that no write transaction spans a network call.
///
/// While models are fetched, ``plan(_:sourceID:on:)`` compares each answer with the rows that are open (valid in
/// the source's newest snapshot), in a read transaction (no write lock): unchanged rows are left alone, changed ones are
/// to be closed at this snapshot and new rows added. A plan holds only the differences (an unchanged model's plan
/// writes nothing). Then, in the one short write transaction that commits the snapshot, ``init(db:source:startedAt:note:)``
/// inserts the snapshot row, ``apply(_:words:)`` writes each plan, and ``finish(finishedAt:)`` closes the models
/// that vanished. A model fetched again in the same run (it changed while the run was going) just gets a new plan.
/// Plans stay valid until the commit: only runs holding the archive's lock (`ArchiveLock`) write models and words.
///
/// A model the archive has never published (a first snapshot's every model) has its words written ahead, during
/// the fetch, in short write transactions of their own (``writeAhead(_:source:snapshotID:on:)``): rows of the
/// snapshot id the run reserved, under a model row that has no version yet. No reader reaches them: every read
/// starts from a published snapshot's models (whose ids are all below the reserved one) or asks for rows valid at
/// a published snapshot. The commit then adds the model's version and state, which publishes them. A run that
/// fails or is cancelled deletes them; a killed run's are deleted by the next run
/// (``removeUnpublished(on:)``) before it reserves the same id.
final class SnapshotWriter {
    static let open: Int64 = 2_147_483_647

    let db: Database
    let snapshotID: Int64
    let sourceID: Int64
    private(set) var digests: [String: ContentHasher.ModelDigestInput] = [:]
    private(set) var stats: [String: ModelChange] = [:]
    private(set) var names: [String: String?] = [:]

    /// What writing one model changed, relative to the source's previous snapshot.
    struct ModelChange: Sendable, Equatable {
        var added = false
        var metadataChanged = false
        var contentChanged = false
        var wordsAdded = 0
        var wordsRemoved = 0
        var wordsChanged = 0
        var wordCount = 0
        var promptCount = 0
        /// Open rows that no longer held what their model's recorded hash says (altered in the archive) and were
        /// replaced by the service's answer. Not counted as changes: the service did not change.
        var rowsHealed = 0
        var changed: Bool { !added && (metadataChanged || contentChanged || wordsAdded + wordsRemoved + wordsChanged > 0) }
    }

    private let s: Statements

    /// Inserts the snapshot row (made complete by ``finish``); the caller must have begun a transaction.
    /// `reserved`: the id ``reserveID(on:)`` gave the run, under which rows were written ahead.
    init(db: Database, source: SourceDescription, startedAt: String, note: String?, reserved: Int64? = nil) throws {
        precondition(db.isInTransaction, "SnapshotWriter needs the caller's transaction")
        self.db = db
        sourceID = try Self.sourceRow(source, on: db)
        if let reserved, try Self.reserveID(on: db) != reserved {
            // Only under the archive's lock are snapshots written: no other run can have taken the id.
            throw SQLiteError(code: 1, message: "snapshot id \(reserved) was taken by another run while this one fetched")
        }
        try db.run("""
            INSERT INTO snapshots (id, source, started_at, finished_at, note, model_count, word_count, prompt_count,
                models_added, models_removed, models_changed, words_added, words_removed, words_changed, digest, word_id_end)
            VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, '', 0)
            """, reserved, sourceID, startedAt, startedAt, note)
        snapshotID = db.lastInsertRowID
        s = try Statements(db)
    }

    private static func sourceRow(_ source: SourceDescription, on db: Database) throws -> Int64 {
        try db.run("INSERT OR IGNORE INTO sources (kind, url, scope) VALUES (?, ?, ?)", source.kind.rawValue, source.url, source.scope)
        return try db.scalar("SELECT id FROM sources WHERE kind = ? AND url = ? AND scope = ?", source.kind.rawValue, source.url, source.scope)
    }

    // MARK: Rows written ahead of the commit

    /// The id the next snapshot gets (AUTOINCREMENT never reuses one, so this is above every published id).
    static func reserveID(on db: Database) throws -> Int64 {
        try db.scalar("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'snapshots'), 0) + 1")
    }

    /// Writes the words of a model the archive has never published (``Plan/unpublished``) as rows of the reserved
    /// snapshot `snapshotID`, in the caller's write transaction, and empties the plan's words to add. Returns
    /// the model's row, whose rows ``removeWrittenAhead(model:on:)`` deletes if the model is fetched again or gone.
    static func writeAhead(_ plan: inout Plan, source: SourceDescription, snapshotID: Int64, on db: Database) throws -> Int64 {
        precondition(plan.unpublished && db.isInTransaction)
        let source = try sourceRow(source, on: db)
        try db.run("INSERT OR IGNORE INTO models (source, customization_id) VALUES (?, ?)", source, plan.model.customizationID)
        let key: Int64 = try db.scalar("SELECT id FROM models WHERE source = ? AND customization_id = ?", source, plan.model.customizationID)
        try insertWords(plan.insertWords, model: key, snapshotID: snapshotID,
                        with: db.prepare("INSERT INTO words (model, word, translation, part_of_speech, valid_from) VALUES (?, ?, ?, ?, ?)"))
        plan.insertWords = []
        return key
    }

    /// `insert`: INSERT INTO words (model, word, translation, part_of_speech, valid_from). Binds only what changes
    /// from row to row (a first snapshot inserts every word here: the binding is most of our part of the cost).
    private static func insertWords(_ words: [WordEntry], model key: Int64, snapshotID: Int64, with insert: Statement) throws {
        insert.reset()
        try insert.bind(int64: key, at: 1)
        try insert.bind(int64: snapshotID, at: 5)
        for w in words {
            try insert.bind(text: w.word, at: 2)
            try insert.bind(text: w.translation, at: 3)
            try insert.bind(text: w.partOfSpeech, at: 4)
            try insert.runBound()
        }
    }

    /// Whether the archive's file system has ample room for `words` written ahead: 64 MiB beyond eight times
    /// their text (rows, index entries, the WAL's copy), under the process's file-size limit too. Else they are
    /// staged outside the archive as other large lists are: rows written ahead are committed, so on a full disk
    /// even deleting them again could fail, leaving them to the next run (which would need room to delete them).
    static func roomToWriteAhead(_ words: [WordEntry], archive path: String) -> Bool {
        var text = 0
        for w in words { text += w.word.utf8.count + w.translation.utf8.count + (w.partOfSpeech?.utf8.count ?? 0) }
        let needed = 64 << 20 + 8 * text
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return false }
        var room = Int(clamping: UInt64(fs.f_bavail) &* UInt64(fs.f_frsize))
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            let size = [path, path + "-wal"].map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }.max() ?? 0
            room = min(room, Int(clamping: limit.rlim_cur) - size)
        }
        return room >= needed
    }

    static func removeWrittenAhead(model key: Int64, on db: Database) throws {
        try db.run("DELETE FROM words WHERE model = ? AND valid_to = \(open)", key)
    }

    /// Deletes every row written ahead of a snapshot that did not commit: the words of models that have no
    /// version, those models, and sources with neither a snapshot nor a model. For the run holding the archive's
    /// lock (no other run's rows are then in flight); a no-op, writing nothing, when there are none.
    static func removeUnpublished(on db: Database) throws {
        try db.run("""
            DELETE FROM words WHERE valid_to = \(open) AND model IN (
                SELECT id FROM models m WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = m.id))
            """)
        try db.run("DELETE FROM models WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = models.id)")
        try db.run("""
            DELETE FROM sources WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.source = sources.id)
                AND NOT EXISTS (SELECT 1 FROM models m WHERE m.source = sources.id)
            """)
    }

    /// The id of the source's row, if the archive has one yet (read before the snapshot's transaction).
    static func existingSource(_ source: SourceDescription, on db: Database) throws -> Int64? {
        try db.query("SELECT id FROM sources WHERE kind = ? AND url = ? AND scope = ?", source.kind.rawValue, source.url, source.scope) {
            $0.int64(0)
        }.first
    }

    // MARK: Planning a model (reads only)

    /// A fetched model made ready for writing: words in service order (duplicates refused) and the content
    /// hashes. Built in the fetch tasks, in parallel, so the single writer only compares and writes.
    struct Prepared: Sendable {
        var model: CustomModel
        var words: [WordEntry]
        var wordsHash: [UInt8]
        var promptsHash: [UInt8]

        init(_ model: CustomModel) throws {
            try SnapshotWriter.checkLimits(model)
            self.model = model
            words = try SnapshotWriter.serviceOrdered(model.words ?? [], model: model.customizationID)
            wordsHash = ContentHasher.wordsHash(words)
            promptsHash = ContentHasher.promptsHash(model.prompts ?? [])
            self.model.words = nil  // kept once, in `words`
        }
    }

    /// What writing one model will change: rows to close (by id) and rows to add. Words to add are kept apart
    /// (``Plan/insertWords``) so that the caller can stage them outside memory.
    struct Plan {
        var model: CustomModel
        var closeVersion: Int64?
        var insertVersion = false
        var closeState: Int64?
        var insertState = false
        var wordsHash: [UInt8]
        var promptsHash: [UInt8]
        var closeWords: [Int64] = []
        var insertWords: [WordEntry] = []
        var closePrompts: [Int64] = []
        var insertPrompts: [Prompt] = []
        var change: ModelChange
        /// The archive has never published this model (no model row, or one without any version): its words may
        /// be written ahead of the commit.
        var unpublished = false
        /// A model back after it vanished: the snapshot that removed it, where its still-open rows are closed.
        var staleWordsEnd: Int64?
    }

    /// Compares a fetched model with its open rows (`db`: a read transaction on the archive) and returns what
    /// to write. `sourceID` nil: the source has no row yet, so every model is new.
    static func plan(_ prepared: Prepared, sourceID: Int64?, on db: Database) throws -> Plan {
        let model = prepared.model, words = prepared.words
        let prompts = model.prompts ?? []
        var plan = Plan(model: model, wordsHash: prepared.wordsHash, promptsHash: prepared.promptsHash,
                        change: ModelChange(wordCount: words.count, promptCount: prompts.count))
        let key = try sourceID.flatMap { source in
            try db.query("SELECT id FROM models WHERE source = ? AND customization_id = ?", source, model.customizationID) { $0.int64(0) }.first
        }
        let published = try key.map { key in
            try db.scalar("SELECT EXISTS (SELECT 1 FROM model_versions WHERE model = ?)", key, as: Bool.self)
        } ?? false
        guard let key, published else {
            plan.unpublished = true
            plan.change.added = true
            plan.change.wordsAdded = words.count
            plan.insertVersion = true
            plan.insertState = true
            plan.insertWords = words
            plan.insertPrompts = prompts
            return plan
        }
        try planMetadata(&plan, key: key, on: db)
        if plan.change.added {
            // Back after it vanished: the words it had then are still open (a removal leaves them so) and end where
            // it ended; its words now are written anew, as an added model's are.
            var ends = WordRowEnds(db: db)
            plan.staleWordsEnd = try ends.end(model: key, validTo: Self.open)
            plan.insertWords = words
            plan.insertState = true
            _ = try mergePrompts(prompts, key: key, plan: &plan, unchanged: false, on: db)
            return plan
        }
        // The open rows are compared with the answer even when the recorded hash says the model is unchanged: a
        // row altered in the archive since (bit rot, a hand edit) must not be carried forward as "unchanged". Such
        // rows are closed and written anew from the answer, so the new snapshot is right (older ones keep the
        // damage, which `check` reports). An unchanged model costs one read of its open rows and no writes.
        let state = try openState(key, on: db)
        let wordsDamage = try mergeWords(words, key: key, plan: &plan, unchanged: state?.wordsHash == plan.wordsHash, on: db)
        let promptsDamage = try mergePrompts(prompts, key: key, plan: &plan, unchanged: state?.promptsHash == plan.promptsHash, on: db)
        plan.change.rowsHealed = wordsDamage + promptsDamage
        if state == nil || state!.wordsHash != plan.wordsHash || state!.promptsHash != plan.promptsHash
            || !ByteOrder.equal(state!.lastModified, model.lastModified) || state!.wordCount != words.count {
            plan.closeState = state?.id
            plan.insertState = true
            plan.change.contentChanged = state != nil
        }
        return plan
    }

    /// Whether the model has an open version (else it is added, or back after it vanished), and whether its
    /// metadata changed.
    private static func planMetadata(_ plan: inout Plan, key: Int64, on db: Database) throws {
        let m = plan.model
        let stmt = try db.prepare("SELECT id, name, language, description, owner, created FROM model_versions WHERE model = ? AND valid_to = \(open)")
        try stmt.bind(key)
        var existing: (id: Int64, same: Bool)?
        if try stmt.step() {
            let same = ByteOrder.equal(stmt.text(1), m.name) && ByteOrder.equal(stmt.text(2), m.language)
                && ByteOrder.equal(stmt.text(3), m.description) && ByteOrder.equal(stmt.text(4), m.owner)
                && ByteOrder.equal(stmt.text(5), m.created)
            existing = (stmt.int64(0), same)
        }
        plan.change.added = existing == nil
        if existing?.same == true { return }
        plan.closeVersion = existing?.id
        plan.insertVersion = true
        plan.change.metadataChanged = existing != nil
    }

    private struct OpenState {
        var id: Int64
        var lastModified: String?
        var wordCount: Int
        var wordsHash: [UInt8]
        var promptsHash: [UInt8]
    }

    private static func openState(_ key: Int64, on db: Database) throws -> OpenState? {
        let st = try db.prepare("SELECT id, last_modified, word_count, words_hash, prompts_hash FROM model_states WHERE model = ? AND valid_to = \(open)")
        try st.bind(key)
        guard try st.step() else { return nil }
        return OpenState(id: st.int64(0), lastModified: st.text(1), wordCount: st.int(2),
                         wordsHash: st.blob(3) ?? [], promptsHash: st.blob(4) ?? [])
    }

    /// Merge-join of the fetched words (service order) with the open rows (index order = byte order), comparing
    /// bytes in place (no String per row).
    ///
    /// `unchanged`: the model's recorded words hash equals the answer's, so the open rows should equal the answer;
    /// any difference is damage in the archive, repaired the same way but counted apart from the service's
    /// changes. Returns how many rows were damaged (0 unless `unchanged`).
    private static func mergeWords(_ words: [WordEntry], key: Int64, plan: inout Plan, unchanged: Bool, on db: Database) throws -> Int {
        var close: [Int64] = []
        var insert: [WordEntry] = []
        var added = 0, removed = 0, changed = 0
        let open = try db.prepare("SELECT id, word, translation, part_of_speech FROM words WHERE model = ? AND valid_to = \(Self.open) ORDER BY word")
        try open.bind(key)
        var hasRow = try open.step()
        var i = 0
        while hasRow || i < words.count {
            let cmp: Int
            if !hasRow { cmp = 1 } else if i == words.count { cmp = -1 } else { cmp = Self.compare(open, 1, words[i].word) }
            if cmp < 0 {  // only in the archive: removed
                close.append(open.int64(0))
                removed += 1
                hasRow = try open.step()
            } else if cmp > 0 {  // only on the service: added
                insert.append(words[i])
                added += 1
                i += 1
            } else {
                let w = words[i]
                if Self.compare(open, 2, w.translation) != 0 || !Self.equal(open, 3, w.partOfSpeech) {
                    close.append(open.int64(0))
                    insert.append(w)
                    changed += 1
                }
                i += 1
                hasRow = try open.step()
            }
        }
        plan.closeWords = close
        plan.insertWords = insert
        if unchanged {
            // A damaged row counts once, whether its word, its translation or its presence was altered.
            return max(close.count, insert.count)
        }
        plan.change.wordsAdded += added
        plan.change.wordsRemoved += removed
        plan.change.wordsChanged += changed
        return 0
    }

    /// Byte order of a text column of the current row against `text`, without making a String of the column.
    @inline(__always)
    private static func compare(_ row: Statement, _ column: Int, _ text: String) -> Int {
        row.withBytes(column) { raw -> Int in
            let n = raw?.count ?? 0
            var text = text
            return text.withUTF8 { t -> Int in
                guard let a = raw?.baseAddress, n > 0 else { return 0 - t.count }
                guard let b = t.baseAddress, t.count > 0 else { return n }
                return ByteOrder.compare(a.assumingMemoryBound(to: UInt8.self), n, b, t.count)
            }
        }
    }

    /// Whether an optional text column of the current row holds exactly `text` (NULL for nil).
    @inline(__always)
    private static func equal(_ row: Statement, _ column: Int, _ text: String?) -> Bool {
        guard let text else { return row.isNull(column) }
        return !row.isNull(column) && compare(row, column, text) == 0
    }

    /// Returns how many prompt rows were damaged (0 unless `unchanged`: see ``mergeWords``).
    private static func mergePrompts(_ prompts: [Prompt], key: Int64, plan: inout Plan, unchanged: Bool, on db: Database) throws -> Int {
        let existing = try db.query("""
            SELECT id, prompt_id, prompt, status, error, speaker_id FROM prompts
            WHERE model = ? AND valid_to = \(Self.open)
            """, key) { r in
            (id: r.int64(0), prompt: Prompt(prompt: r.text(2) ?? "", promptID: r.text(1) ?? "", status: r.text(3) ?? "",
                                             error: r.text(4), speakerID: r.text(5)))
        }
        var unmatched = prompts
        for row in existing {
            if let i = unmatched.firstIndex(where: { Self.samePrompt($0, row.prompt) }) {
                unmatched.remove(at: i)
            } else {
                plan.closePrompts.append(row.id)
            }
        }
        plan.insertPrompts = unmatched
        return unchanged ? max(plan.closePrompts.count, unmatched.count) : 0
    }

    private static func samePrompt(_ a: Prompt, _ b: Prompt) -> Bool {
        ByteOrder.equal(a.promptID, b.promptID) && ByteOrder.equal(a.prompt, b.prompt) && ByteOrder.equal(a.status, b.status)
            && ByteOrder.equal(a.error, b.error) && ByteOrder.equal(a.speakerID, b.speakerID)
    }

    // MARK: Writing a model (in the snapshot's transaction)

    /// Writes a plan: closes its rows at this snapshot, then adds its new rows (`words`: the plan's words to add,
    /// given back by the caller from where it staged them).
    func apply(_ plan: Plan, words: [WordEntry]) throws {
        let m = plan.model
        let id = m.customizationID
        let key = try modelKey(id)
        if let v = plan.closeVersion { try s.closeVersion.run(snapshotID, v) }
        if plan.insertVersion { try s.insertVersion.run(key, m.name, m.language, m.description, m.owner, m.created, snapshotID) }
        // Closed before added: an open word is unique per model.
        if let end = plan.staleWordsEnd {
            try db.run("UPDATE words SET valid_to = ? WHERE model = ? AND valid_to = \(Self.open)", end, key)
        }
        for row in plan.closeWords { try s.closeWord.run(snapshotID, row) }
        try Self.insertWords(words, model: key, snapshotID: snapshotID, with: s.insertWord)
        for row in plan.closePrompts { try s.closePrompt.run(snapshotID, row) }
        for p in plan.insertPrompts { try s.insertPrompt.run(key, p.promptID, p.prompt, p.status, p.error, p.speakerID, snapshotID) }
        if let state = plan.closeState { try s.closeState.run(snapshotID, state) }
        if plan.insertState {
            try s.insertState.run(key, m.lastModified, plan.change.wordCount, plan.wordsHash, plan.promptsHash, snapshotID)
        }
        stats[id] = plan.change
        names[id] = m.name
        digests[id] = ContentHasher.ModelDigestInput(
            customizationID: id, name: m.name, language: m.language, description: m.description,
            owner: m.owner, created: m.created, lastModified: m.lastModified,
            wordCount: plan.change.wordCount, wordsHash: plan.wordsHash, promptsHash: plan.promptsHash)
    }

    private func modelKey(_ customizationID: String) throws -> Int64 {
        try s.insertModel.run(sourceID, customizationID)
        try s.selectModel.bind(sourceID, customizationID)
        defer { s.selectModel.reset() }
        guard try s.selectModel.step() else { throw SQLiteError(code: 1, message: "model row missing") }
        return s.selectModel.int64(0)
    }

    // MARK: Finishing

    struct Totals: Sendable, Equatable {
        var models = 0, words = 0, prompts = 0
        var modelsAdded = 0, modelsRemoved = 0, modelsChanged = 0
        var wordsAdded = 0, wordsRemoved = 0, wordsChanged = 0
        var digest = ""
    }

    /// Closes the models of this source that were not written (gone from the service), then completes the
    /// snapshot row. The caller commits.
    func finish(finishedAt: String) throws -> Totals {
        var t = Totals()
        let written = Set(stats.keys)
        let openModels = try db.query("""
            SELECT m.id, m.customization_id FROM models m JOIN model_versions v ON v.model = m.id
            WHERE m.source = ? AND v.valid_to = \(Self.open)
            """, sourceID) { (try $0.column(0, as: Int64.self), try $0.column(1, as: String.self)) }
        for (key, cid) in openModels where !written.contains(cid) {
            t.modelsRemoved += 1
            t.wordsRemoved += try db.scalar("SELECT count(*) FROM words WHERE model = ? AND valid_to = \(Self.open)", key, as: Int.self)
            // Its words stay open: they end where the model ends (``WordRowEnds``). Closing each would add an
            // entry per word to both indexes of ended rows, most of a night's growth when a large model goes.
            for table in ["model_versions", "model_states", "prompts"] {
                try db.run("UPDATE \(table) SET valid_to = ? WHERE model = ? AND valid_to = \(Self.open)", snapshotID, key)
            }
        }
        for change in stats.values {
            t.models += 1
            t.words += change.wordCount
            t.prompts += change.promptCount
            if change.added { t.modelsAdded += 1 } else if change.changed { t.modelsChanged += 1 }
            if !change.added {
                t.wordsAdded += change.wordsAdded
                t.wordsRemoved += change.wordsRemoved
                t.wordsChanged += change.wordsChanged
            } else {
                t.wordsAdded += change.wordCount
            }
        }
        t.digest = ContentHasher.snapshotDigest(Array(digests.values))
        let wordIDEnd: Int64 = try db.scalar("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'words'), 0) + 1")
        try db.run("""
            UPDATE snapshots SET finished_at = ?, model_count = ?, word_count = ?, prompt_count = ?,
                models_added = ?, models_removed = ?, models_changed = ?, words_added = ?, words_removed = ?,
                words_changed = ?, digest = ?, word_id_end = ?
            WHERE id = ?
            """, finishedAt, t.models, t.words, t.prompts, t.modelsAdded, t.modelsRemoved, t.modelsChanged,
                   t.wordsAdded, t.wordsRemoved, t.wordsChanged, t.digest, wordIDEnd, snapshotID)
        return t
    }

    /// The service never holds more than its documented limits (reference §5.1): an answer beyond them does not
    /// come from a conforming service (or the limits changed), and a snapshot of it could never be restored.
    /// Refused like any malformed answer, so the archive stays as it was and the run exits non-zero.
    static func checkLimits(_ model: CustomModel) throws {
        let id = model.customizationID
        try checkID(id)
        if let name = model.name, ServiceLimits.exceeds(name, ServiceLimits.maxNameLength) {
            throw SnapshotError.overLimit(model: id, what: "a \(name.unicodeScalars.count)-character name (limit \(ServiceLimits.maxNameLength))")
        }
        if let description = model.description, ServiceLimits.exceeds(description, ServiceLimits.maxDescriptionLength) {
            throw SnapshotError.overLimit(model: id, what: "a \(description.unicodeScalars.count)-character description (limit \(ServiceLimits.maxDescriptionLength))")
        }
        let words = model.words ?? []
        if words.count > ServiceLimits.maxWordsPerModel {
            throw SnapshotError.overLimit(model: id, what: "\(words.count) entries (limit \(ServiceLimits.maxWordsPerModel))")
        }
        for entry in words {
            if ServiceLimits.exceeds(entry.word, ServiceLimits.maxWordLength) {
                throw SnapshotError.overLimit(model: id, what: "a \(entry.word.unicodeScalars.count)-character word \(entry.word.debugDescription) (limit \(ServiceLimits.maxWordLength))")
            }
            if ServiceLimits.exceeds(entry.translation, ServiceLimits.maxTranslationLength) {
                throw SnapshotError.overLimit(model: id, what: "a \(entry.translation.unicodeScalars.count)-character translation of \(entry.word.debugDescription) (limit \(ServiceLimits.maxTranslationLength))")
            }
        }
    }

    /// Every customization id the service issues is a GUID (reference §4.1). Anything else (empty, a path, a
    /// name) cannot be a model of the service, and recording it would make it a key of the archive.
    static func checkID(_ id: String) throws {
        if !ServiceLimits.isCustomizationID(id) { throw SnapshotError.notACustomizationID(id) }
    }

    /// A get-model answer is well-formed only when it is for the id asked for and carries a `words` array (an
    /// empty model has `[]`). Checked for every source, whatever its client already checked: an answer for another
    /// id would leave the asked-for model unwritten (recorded as deleted), one without words would record it empty.
    static func checkAnswer(_ model: CustomModel, askedFor id: String) throws {
        if !ByteOrder.equal(model.customizationID, id) {
            throw SnapshotError.malformedAnswer(model: id, what: "is for customization id \(model.customizationID.debugDescription)")
        }
        if model.words == nil { throw SnapshotError.malformedAnswer(model: id, what: "has no words array") }
    }

    /// The service lists words in byte order; sort defensively and refuse duplicates, which would make the
    /// archive ambiguous (a malformed answer, not something to store).
    static func serviceOrdered(_ words: [WordEntry], model: String) throws -> [WordEntry] {
        var sorted = words
        var inOrder = true
        for i in sorted.indices.dropFirst() where ByteOrder.compare(sorted[i - 1].word, sorted[i].word) >= 0 {
            inOrder = false
            break
        }
        if !inOrder { sorted.sort { ByteOrder.compare($0.word, $1.word) < 0 } }
        for i in sorted.indices.dropFirst() where ByteOrder.equal(sorted[i - 1].word, sorted[i].word) {
            throw SnapshotError.duplicateWord(model: model, word: sorted[i].word)
        }
        return sorted
    }

    /// Statements reused for every model and word.
    private struct Statements {
        let insertModel, selectModel, closeVersion, insertVersion, closeState, insertState, closeWord, insertWord: Statement
        let closePrompt, insertPrompt: Statement

        init(_ db: Database) throws {
            insertModel = try db.prepare("INSERT OR IGNORE INTO models (source, customization_id) VALUES (?, ?)")
            selectModel = try db.prepare("SELECT id FROM models WHERE source = ? AND customization_id = ?")
            closeVersion = try db.prepare("UPDATE model_versions SET valid_to = ? WHERE id = ?")
            insertVersion = try db.prepare("INSERT INTO model_versions (model, name, language, description, owner, created, valid_from) VALUES (?, ?, ?, ?, ?, ?, ?)")
            closeState = try db.prepare("UPDATE model_states SET valid_to = ? WHERE id = ?")
            insertState = try db.prepare("INSERT INTO model_states (model, last_modified, word_count, words_hash, prompts_hash, valid_from) VALUES (?, ?, ?, ?, ?, ?)")
            closeWord = try db.prepare("UPDATE words SET valid_to = ? WHERE id = ?")
            insertWord = try db.prepare("INSERT INTO words (model, word, translation, part_of_speech, valid_from) VALUES (?, ?, ?, ?, ?)")
            closePrompt = try db.prepare("UPDATE prompts SET valid_to = ? WHERE id = ?")
            insertPrompt = try db.prepare("""
                INSERT INTO prompts (model, prompt_id, prompt, status, error, speaker_id, valid_from)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        }
    }
}

public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    case duplicateWord(model: String, word: String)
    case authFailed(String)
    case modelVanishedButListed(id: String)
    case overLimit(model: String, what: String)
    /// A get-model answer (or an imported model) that is not for the id asked for, or has no words array.
    case malformedAnswer(model: String, what: String)
    /// A listed model whose id is not a GUID.
    case notACustomizationID(String)

    public var description: String {
        switch self {
        case .duplicateWord(let m, let w): "the answer for model \(m) lists the word \(w.debugDescription) twice; nothing was recorded"
        case .malformedAnswer(let m, let what):
            "the answer for model \(m) \(what): not a usable get-model answer; nothing was recorded"
        case .notACustomizationID(let id):
            "model id \(id.debugDescription) is not a customization id (a GUID such as 64f4807f-a5f1-5867-924f-7bba1a84fe97); nothing was recorded"
        case .authFailed(let m): "the service refused the credentials: \(m)"
        case .overLimit(let m, let what): "model \(m) has \(what), beyond what the service can hold or restore; nothing was recorded"
        case .modelVanishedButListed(let id): "the service lists model \(id) but refuses to return it (401): check that the credentials belong to this instance"
        }
    }
}
