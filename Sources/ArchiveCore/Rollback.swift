import TTSAPI
import TTSClient

/// Puts one live model back to its content in a snapshot, in place (same customization id), sending only what
/// differs: add-words for missing or changed entries (adding overwrites, reference §5.6), one delete per entry
/// the snapshot does not have, and a metadata update when the name or description differ.
public struct RollbackPlan: Codable, Sendable, Equatable {
    public var customizationID: String
    public var name: String?
    public var language: String?
    public var snapshotID: Int64
    /// The snapshot's model this one is rolled back to (same id, or same name and language).
    public var snapshotModelID: String
    public var metadata: [FieldChange]
    /// Entries added or overwritten, in service order.
    public var addWords: [WordEntry]
    public var deleteWords: [String]
    public var batchSize: Int

    public var requests: Int {
        (metadata.isEmpty ? 0 : 1) + (addWords.count + batchSize - 1) / batchSize + deleteWords.count
    }
    public var isEmpty: Bool { metadata.isEmpty && addWords.isEmpty && deleteWords.isEmpty }

    /// `live` back to `stored`. The language cannot be changed on the service, so it must match.
    public static func make(live: CustomModel, stored: CustomModel, snapshotID: Int64, batchSize: Int = RestoreOptions.defaultBatchSize) throws -> RollbackPlan {
        guard ByteOrder.equal(live.language, stored.language) else {
            throw RollbackError.languageDiffers(live: live.language ?? "", snapshot: stored.language ?? "")
        }
        var metadata: [FieldChange] = []
        for (field, now, then) in [("name", live.name, stored.name), ("description", live.description, stored.description)]
        where !ByteOrder.equal(now, then) {
            metadata.append(FieldChange(field: field, old: now, new: then))
        }
        var add: [WordEntry] = [], delete: [String] = []
        for change in ContentDiff.compareWords(live.words ?? [], stored.words ?? []) {
            switch change.change {
            case .added, .changed:
                if let t = change.new { add.append(WordEntry(word: change.word, translation: t.translation, partOfSpeech: t.partOfSpeech)) }
            case .removed:
                delete.append(change.word)
            }
        }
        return RollbackPlan(customizationID: live.customizationID, name: live.name, language: live.language, snapshotID: snapshotID,
                            snapshotModelID: stored.customizationID, metadata: metadata,
                            addWords: add.sorted { WordEntry.serviceOrder($0.word, $1.word) }, deleteWords: delete,
                            batchSize: max(1, batchSize))
    }

    /// Sends the plan. Every call is idempotent (overwrite, delete, set), so a failed rollback is simply run again.
    ///
    /// `progress` receives the phase `apply` (1 model; words: entries added or deleted of the plan's), then
    /// `done`; a rename to a name the service may refuse is its warning. A cancelled rollback stops before its
    /// next request and throws `CancellationError`: what was sent stays, and running the plan again finishes it.
    public func apply(with client: any RestoreTarget, progress: JobProgressSink? = nil) async throws {
        let reporter = JobReporter(job: "rollback", sink: progress)
        for m in metadata where m.field == "name" {
            if let warning = RestorePlan.nameWarning(m.new, step: "rename the model") { reporter.warn(warning) }
        }
        reporter.begin(.apply, modelsTotal: 1, wordsTotal: addWords.count + deleteWords.count)
        try Task.checkCancellation()
        if !metadata.isEmpty {
            let name = metadata.first { $0.field == "name" }?.new
            // An absent description is set as empty: the service cannot unset a field.
            let description = metadata.first { $0.field == "description" }.map { $0.new ?? "" }
            try await client.updateModel(id: customizationID, UpdateModelRequest(name: name, description: description))
        }
        let packed = PackedWords(addWords)
        var start = 0
        while start < packed.count {
            try Task.checkCancellation()
            let end = min(packed.count, start + batchSize)
            try await client.addWords(id: customizationID, packed, start..<end)
            reporter.wordsDone(end - start)
            start = end
        }
        for word in deleteWords {
            try Task.checkCancellation()
            do {
                try await client.deleteWord(id: customizationID, word: word)
            } catch let error as ServiceError where error.kind == .badRequest {
                // Already gone: the service answers 400 for a word not in the model (reference §2.3 (10)).
                if (try? await client.getWord(id: customizationID, word: word)) != nil { throw error }
            }
            reporter.wordsDone(1)
        }
        reporter.modelDone()
        reporter.finish()
    }
}

extension RollbackPlan {
    /// Finds the live model (`model`: customization id or name) and its counterpart in the snapshot: the same
    /// customization id, else the only model with the same name and language.
    public static func make(model: String, snapshot: Int64, store: ArchiveStore, client: any RestoreTarget, batchSize: Int = 1000) async throws -> RollbackPlan {
        let listed = try await client.listModels().filter { $0.customizationID == model || $0.name == model }
        guard listed.count == 1, let found = listed.first else {
            throw listed.isEmpty ? RollbackError.noLiveModel(model)
                : RollbackError.ambiguous(model, ids: listed.map(\.customizationID).sorted())
        }
        let live = try await client.getModel(id: found.customizationID)
        let stored = try SnapshotReader(store).models(in: snapshot)
        let match = stored.first { $0.customizationID == live.customizationID }
            ?? {
                let byName = stored.filter { ByteOrder.equal($0.name, live.name) && ByteOrder.equal($0.language, live.language) }
                return byName.count == 1 ? byName[0] : nil
            }()
        guard let match else { throw RollbackError.notInSnapshot(model, snapshot: snapshot) }
        return try make(live: live, stored: match, snapshotID: snapshot, batchSize: batchSize)
    }
}

public enum RollbackError: Error, Equatable, CustomStringConvertible {
    case noLiveModel(String)
    case ambiguous(String, ids: [String])
    case notInSnapshot(String, snapshot: Int64)
    case languageDiffers(live: String, snapshot: String)

    public var description: String {
        switch self {
        case .noLiveModel(let m): "no live custom model with id or name '\(m)'"
        case .ambiguous(let m, let ids): "\(ids.count) live models are named '\(m)' (\(ids.joined(separator: ", "))); name one by customization id"
        case .notInSnapshot(let m, let s): "snapshot \(s) has no model matching '\(m)' (by id, or by a unique name and language)"
        case .languageDiffers(let live, let snapshot):
            "the live model is \(live) but the snapshot's is \(snapshot); a model's language cannot change"
        }
    }
}
