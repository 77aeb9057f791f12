import TTSAPI

/// What to do when the target already holds models. Names are not unique on the service (reference §5.7), so
/// "the same model" means the same name and language.
public enum ExistingPolicy: String, Codable, Sendable, CaseIterable {
    /// Refuse when the target has any model at all: never silently mix a restore into a live instance.
    case fail
    /// Leave same-name models alone; restore the others.
    case skip
    /// Add the snapshot's words into the existing same-name model and set its description.
    case update
    /// Delete same-name models, then create them afresh.
    case replace
}

/// How words are sent: `POST .../words` in batches, or `PUT .../words/{word}` one at a time.
public enum RestoreMode: String, Codable, Sendable, CaseIterable { case batch, single }

public struct RestoreOptions: Codable, Sendable, Equatable {
    public var languages: [String]
    public var models: [String]
    public var existing: ExistingPolicy
    public var mode: RestoreMode
    public var batchSize: Int

    /// Entries per add-words request. The reference suggests 1,000-5,000 (one POST may carry a whole model, but a
    /// smaller batch limits what a refused or repeated request costs); a restore of 463,000 entries into the
    /// emulator took about 10% less time with 2,500 than with 1,000, as fewer requests and journal writes.
    public static let defaultBatchSize = 2500

    public init(filter: ModelFilter = .init(), existing: ExistingPolicy = .fail, mode: RestoreMode = .batch,
                batchSize: Int = RestoreOptions.defaultBatchSize) {
        languages = filter.languages
        models = filter.models
        self.existing = existing
        self.mode = mode
        self.batchSize = max(1, batchSize)
    }

    public var filter: ModelFilter { ModelFilter(languages: languages, models: models) }
}

/// What a restore will do, computed without writing anything: printed by `--dry-run`, executed by ``Restorer``.
public struct RestorePlan: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable { case create, update, replace, skip }

    public struct Item: Codable, Sendable, Equatable {
        public var sourceID: String
        public var name: String?
        public var language: String?
        public var description: String?
        public var words: Int
        public var action: Action
        /// `update`: the existing model that receives the words.
        public var targetID: String?
        /// `replace`: existing models deleted first.
        public var replaces: [String]
        /// Requests that change the target: deletes, create or metadata update, word batches.
        public var requests: Int
        /// Set when the model is created and the service may refuse it (see ``RestorePlan/nameWarning(_:step:)``).
        public var warning: String?
    }

    /// A target model with the same name and language as one in the snapshot.
    public struct Conflict: Codable, Sendable, Equatable {
        public var name: String?
        public var language: String?
        public var targetIDs: [String]
    }

    public struct PromptNote: Codable, Sendable, Equatable {
        public var sourceID: String
        public var promptID: String
        public var prompt: String
    }

    public var snapshotID: Int64
    public var target: String
    public var options: RestoreOptions
    public var items: [Item]
    public var conflicts: [Conflict]
    /// Prompts recorded in the snapshot: not restorable (the API never returns audio; prompt creation is deprecated).
    public var promptsNotRestorable: [PromptNote]
    /// Models the target already holds (outside this restore).
    public var targetModels: Int

    public var requests: Int { items.reduce(0) { $0 + $1.requests } }
    public var words: Int { items.filter { $0.action != .skip }.reduce(0) { $0 + $1.words } }

    /// Builds the plan. Throws ``RestoreError/targetNotEmpty`` under `existing: fail` when the target has models
    /// (models of an earlier restore count too: a resumed run follows its journal, not a new plan). `wordCount`
    /// counts a snapshot model's entries (its `words` by default; a restore keeps them packed apart).
    public static func make(snapshotID: Int64, target: String, snapshotModels: [CustomModel], targetModels: [CustomModel],
                            options: RestoreOptions,
                            wordCount: (CustomModel) -> Int = { $0.words?.count ?? 0 }) throws -> RestorePlan {
        let selected = snapshotModels.filter(options.filter.matches)
        let foreign = targetModels
        func key(_ name: String?, _ language: String?) -> String { (name ?? "") + "\u{0}" + (language ?? "") }
        var byKey: [String: [CustomModel]] = [:]
        for m in foreign { byKey[key(m.name, m.language), default: []].append(m) }

        var conflicts: [Conflict] = []
        var seen = Set<String>()
        for m in selected {
            let k = key(m.name, m.language)
            if let found = byKey[k], seen.insert(k).inserted {
                conflicts.append(Conflict(name: m.name, language: m.language, targetIDs: found.map(\.customizationID).sorted()))
            }
        }
        if options.existing == .fail, !foreign.isEmpty {
            throw RestoreError.targetNotEmpty(models: foreign.count, conflicts: conflicts.count)
        }

        func wordRequests(_ n: Int) -> Int {
            options.mode == .single ? n : (n + options.batchSize - 1) / options.batchSize
        }
        var items: [Item] = []
        var used = Set<String>()
        for m in selected.sorted(by: { ByteOrder.compare($0.customizationID, $1.customizationID) < 0 }) {
            let n = wordCount(m)
            let existing = (byKey[key(m.name, m.language)] ?? []).map(\.customizationID).sorted()
            var item = Item(sourceID: m.customizationID, name: m.name, language: m.language, description: m.description,
                            words: n, action: .create, targetID: nil, replaces: [], requests: 1 + wordRequests(n))
            if !existing.isEmpty {
                switch options.existing {
                case .fail: break  // unreachable: refused above
                case .skip:
                    item.action = .skip
                    item.requests = 0
                case .update:
                    // Several snapshot models of one name pair with existing ones in id order; extras are created.
                    if let target = existing.first(where: { !used.contains($0) }) {
                        used.insert(target)
                        item.action = .update
                        item.targetID = target
                    }
                case .replace:
                    let fresh = existing.filter { !used.contains($0) }
                    used.formUnion(fresh)
                    item.action = fresh.isEmpty ? .create : .replace
                    item.replaces = fresh
                    item.requests += fresh.count
                }
            }
            if item.action == .create || item.action == .replace { item.warning = Self.nameWarning(m.name) }
            items.append(item)
        }
        let prompts = selected.flatMap { m in
            (m.prompts ?? []).map { PromptNote(sourceID: m.customizationID, promptID: $0.promptID, prompt: $0.prompt) }
        }
        return RestorePlan(snapshotID: snapshotID, target: target, options: options, items: items, conflicts: conflicts,
                           promptsNotRestorable: prompts, targetModels: foreign.count)
    }
}

extension RestorePlan {
    /// Names holding a character the documentation forbids (`\ / : = & ?`, reference §5.2) are archived as the
    /// service returned them: older models may have them, and whether the service enforces the rule is not
    /// documented. Creating such a model may be refused; this says so, for a warning before and after a restore.
    /// Nil for a name without them. `step` is what the service may refuse (a rollback renames).
    public static func nameWarning(_ name: String?, step: String = "create the model") -> String? {
        let found = ServiceLimits.forbiddenCharacters(inName: name)
        guard let name, !found.isEmpty else { return nil }
        let shown = found.map { "\"\($0)\"" }.joined(separator: ", ")
        return "the name \(name.debugDescription) holds \(shown), which the service's documentation forbids in model names; "
            + "the service may refuse to \(step)"
    }
}

public enum RestoreError: Error, Equatable, CustomStringConvertible {
    case targetNotEmpty(models: Int, conflicts: Int)
    case noSuchRun(Int64)
    case runFinished(Int64, status: RestoreRunStatus)
    case runMismatch(Int64, reason: String)

    public var description: String {
        switch self {
        case .targetNotEmpty(let n, let c):
            "the target already has \(n) custom models (\(c) with a name and language in the snapshot)"
        case .noSuchRun(let id): "no restore run \(id) in the archive"
        case .runFinished(let id, let status): "restore run \(id) already finished (\(status.rawValue)); nothing to resume"
        case .runMismatch(let id, let reason): "restore run \(id) cannot be resumed here: \(reason)"
        }
    }
}
