import Basics
import TTSAPI

/// A "night of work" on an instance: how many of each kind of change to make.
public struct ChurnSpec: Sendable, Equatable, Codable {
    public var translationEdits: Int
    public var wordAdds: Int
    public var wordDeletes: Int
    public var modelAdds: Int
    public var modelDeletes: Int
    public var modelRenames: Int
    public var modelRedescriptions: Int

    public init(translationEdits: Int = 0, wordAdds: Int = 0, wordDeletes: Int = 0, modelAdds: Int = 0,
                modelDeletes: Int = 0, modelRenames: Int = 0, modelRedescriptions: Int = 0) {
        self.translationEdits = translationEdits
        self.wordAdds = wordAdds
        self.wordDeletes = wordDeletes
        self.modelAdds = modelAdds
        self.modelDeletes = modelDeletes
        self.modelRenames = modelRenames
        self.modelRedescriptions = modelRedescriptions
    }

    /// A typical night: some edits, adds and deletes, the odd model added, deleted, renamed, re-described.
    public static let night = ChurnSpec(translationEdits: 25, wordAdds: 15, wordDeletes: 8, modelAdds: 1,
                                        modelDeletes: 1, modelRenames: 1, modelRedescriptions: 1)

    enum CodingKeys: String, CodingKey {
        case translationEdits = "edits", wordAdds = "adds", wordDeletes = "deletes", modelAdds = "models_added"
        case modelDeletes = "models_deleted", modelRenames = "renames", modelRedescriptions = "redescriptions"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func v(_ k: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? 0 }
        self.init(translationEdits: try v(.translationEdits), wordAdds: try v(.wordAdds), wordDeletes: try v(.wordDeletes),
                  modelAdds: try v(.modelAdds), modelDeletes: try v(.modelDeletes), modelRenames: try v(.modelRenames),
                  modelRedescriptions: try v(.modelRedescriptions))
    }

    /// Parses `edits=25,adds=15,deletes=8,models_added=1,models_deleted=1,renames=1,redescriptions=1`
    /// (`night` alone means ``night``).
    public init(parsing text: String) throws {
        if text.trimmingCharacters(in: .whitespaces) == "night" { self = .night; return }
        self.init()
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let n = Int(kv[1]), n >= 0, let key = CodingKeys(rawValue: kv[0].replacingOccurrences(of: "-", with: "_")) else {
                throw EmulatorConfigurationError("invalid churn setting '\(part)': use edits, adds, deletes, models_added, models_deleted, renames, redescriptions")
            }
            switch key {
            case .translationEdits: translationEdits = n
            case .wordAdds: wordAdds = n
            case .wordDeletes: wordDeletes = n
            case .modelAdds: modelAdds = n
            case .modelDeletes: modelDeletes = n
            case .modelRenames: modelRenames = n
            case .modelRedescriptions: modelRedescriptions = n
            }
        }
    }
}

/// One change the churn made.
public struct ChurnAction: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case translationEdited = "translation_edited", wordAdded = "word_added", wordDeleted = "word_deleted"
        case modelAdded = "model_added", modelDeleted = "model_deleted", modelRenamed = "model_renamed"
        case modelRedescribed = "model_redescribed"
    }
    public var kind: Kind
    public var customizationID: String
    public var word: String?
    /// New translation, name or description.
    public var value: String?

    enum CodingKeys: String, CodingKey { case kind, customizationID = "customization_id", word, value }
}

public struct ChurnReport: Sendable, Equatable, Codable {
    public var actions: [ChurnAction]
    public func count(_ kind: ChurnAction.Kind) -> Int { actions.filter { $0.kind == kind }.count }
}

extension ServiceInstance {
    /// Applies a deterministic night of work through the same operations as the API (PUT word, DELETE word,
    /// create, update and delete model). Picks follow creation order and the service's word order, never
    /// hash order, so the same state, spec and seed give the same report and the same end state
    /// (timestamps aside: they are the real clock, so `last_modified` moves as it would in service).
    /// New entries follow the model's language (ja-JP models get Japanese entries with part of speech).
    public func applyNight(_ spec: ChurnSpec, seed: UInt64) -> ChurnReport {
        var rng = SplitMix64(seed: seed)
        var actions: [ChurnAction] = []

        func liveModels() -> [CustomModel] { listModels() }
        func pickModel(withWords: Bool) -> CustomModel? {
            let candidates = liveModels().filter { m in
                !withWords || wordCount(id: m.customizationID) > 0
            }
            return candidates.isEmpty ? nil : rng.pick(candidates)
        }

        for _ in 0..<spec.translationEdits {
            guard let m = pickModel(withWords: true), let keys = try? sortedWordKeys(id: m.customizationID) else { break }
            let word = rng.pick(keys)
            guard let old = try? self.word(id: m.customizationID, word: word) else { continue }
            let fresh = LexiconFactory.entry(language: m.language ?? "", avoiding: [], &rng)
            let t = Translation(translation: fresh.translation, partOfSpeech: fresh.partOfSpeech ?? old.partOfSpeech)
            if (try? setWord(id: m.customizationID, word: word, t)) != nil {
                actions.append(.init(kind: .translationEdited, customizationID: m.customizationID, word: word, value: t.translation))
            }
        }
        for _ in 0..<spec.wordAdds {
            guard let m = pickModel(withWords: false), let keys = try? sortedWordKeys(id: m.customizationID),
                  keys.count < ServiceLimits.maxWordsPerModel
            else { continue }
            let e = LexiconFactory.entry(language: m.language ?? "", avoiding: Set(keys), &rng)
            if (try? setWord(id: m.customizationID, word: e.word, e.asTranslation)) != nil {
                actions.append(.init(kind: .wordAdded, customizationID: m.customizationID, word: e.word, value: e.translation))
            }
        }
        for _ in 0..<spec.wordDeletes {
            guard let m = pickModel(withWords: true), let keys = try? sortedWordKeys(id: m.customizationID) else { break }
            let word = rng.pick(keys)
            if (try? deleteWord(id: m.customizationID, word: word)) != nil {
                actions.append(.init(kind: .wordDeleted, customizationID: m.customizationID, word: word))
            }
        }
        for n in 0..<spec.modelRenames {
            guard let m = pickModel(withWords: false) else { break }
            let name = (m.name ?? "Custom model") + " (rev \(n + 2 + rng.below(8)))"
            let clipped = String(name.prefix(ServiceLimits.maxNameLength))
            if (try? updateModel(id: m.customizationID, UpdateModelRequest(name: clipped))) != nil {
                actions.append(.init(kind: .modelRenamed, customizationID: m.customizationID, value: clipped))
            }
        }
        for _ in 0..<spec.modelRedescriptions {
            guard let m = pickModel(withWords: false) else { break }
            let d = "Reviewed lexicon, batch \(rng.below(1000))"
            if (try? updateModel(id: m.customizationID, UpdateModelRequest(description: d))) != nil {
                actions.append(.init(kind: .modelRedescribed, customizationID: m.customizationID, value: d))
            }
        }
        for _ in 0..<spec.modelAdds {
            let language = rng.pick(["en-US", "en-US", "de-DE", "ja-JP"])
            let name = "New \(language) lexicon \(rng.below(10_000))"
            guard let id = try? createModel(CreateModelRequest(name: name, language: language,
                                                               description: "Added overnight"),
                                            id: GUID.make(using: &rng))
            else { continue }
            actions.append(.init(kind: .modelAdded, customizationID: id, value: name))
            var existing = Set<String>()
            let entries = (0..<(3 + rng.below(10))).map { _ in
                let e = LexiconFactory.entry(language: language, avoiding: existing, &rng)
                existing.insert(e.word)
                return e
            }
            if (try? addWords(id: id, entries)) != nil {
                for e in entries {
                    actions.append(.init(kind: .wordAdded, customizationID: id, word: e.word, value: e.translation))
                }
            }
        }
        for _ in 0..<spec.modelDeletes {
            // Never delete models added this night: the report should read as independent changes.
            let added = Set(actions.filter { $0.kind == .modelAdded }.map(\.customizationID))
            let candidates = liveModels().filter { !added.contains($0.customizationID) }
            guard !candidates.isEmpty else { break }
            let m = rng.pick(candidates)
            if (try? deleteModel(id: m.customizationID)) != nil {
                actions.append(.init(kind: .modelDeleted, customizationID: m.customizationID, value: m.name))
            }
        }
        return ChurnReport(actions: actions)
    }

    /// Loads the generator's models for `spec` into this instance; returns their ids.
    @discardableResult
    public func generate(_ spec: GeneratorSpec) throws(ErrorAnswer) -> [String] {
        var ids: [String] = []
        for m in Generator.models(for: spec) { ids.append(try importModel(m)) }
        return ids
    }
}
