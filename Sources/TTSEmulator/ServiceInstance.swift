import Foundation
import NIOCore
import TTSAPI

/// One emulated service instance: the models one set of credentials owns. Every API operation (HTTP,
/// seeding, generator, churn) goes through these methods, so all of them obey the same rules.
///
/// Each instance has its own lock: work on one instance never waits for another.
public final class ServiceInstance: @unchecked Sendable {
    /// GUID reported as every model's `owner`.
    public let owner: String
    public let rules: ServiceRules

    private let lock = NSLock()
    private var models: [String: StoredModel] = [:]
    /// Creation order, which is the (stable, [INF]) order of list-models.
    private var order: [String] = []
    private var clock = MonotonicClock()

    public init(owner: String? = nil, rules: ServiceRules = ServiceRules()) {
        self.owner = owner ?? GUID.random()
        self.rules = rules
    }

    private func locked<T>(_ body: () throws(ErrorAnswer) -> T) throws(ErrorAnswer) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func model(_ id: String) throws(ErrorAnswer) -> StoredModel {
        guard GUID.isWellFormed(id) else { throw .malformedGUID(id) }
        guard let m = models[id] else { throw .invalidCustomization(id) }
        return m
    }

    // MARK: Models

    /// `POST /v1/customizations`; returns the new id.
    @discardableResult
    public func createModel(_ request: CreateModelRequest) throws(ErrorAnswer) -> String {
        try createModel(request, id: nil)
    }

    func createModel(_ request: CreateModelRequest, id fixedID: String?) throws(ErrorAnswer) -> String {
        let language = request.language ?? ServiceLimits.defaultLanguage
        try rules.checkLanguage(language)
        try rules.checkName(request.name)
        try rules.checkDescription(request.description ?? "")
        return try locked { () throws(ErrorAnswer) -> String in
            var id = fixedID ?? GUID.random()
            while models[id] != nil { id = GUID.random() }
            let now = clock.stamp()
            let meta = ModelMetadata(id: id, owner: owner, created: now, lastModified: now, name: request.name,
                                     language: language, description: request.description ?? "")
            models[id] = StoredModel(meta: meta)
            order.append(id)
            return id
        }
    }

    /// `GET /v1/customizations[?language=]`: metadata only, creation order.
    public func listModels(language: String? = nil) -> [CustomModel] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { models[$0] }.filter { language == nil || $0.meta.language == language }
            .map(\.meta.customModel)
    }

    /// `GET /v1/customizations/{id}`: metadata, sorted words and prompts.
    public func model(id: String) throws(ErrorAnswer) -> CustomModel {
        try locked { () throws(ErrorAnswer) -> CustomModel in
            let m = try model(id)
            var c = m.meta.customModel
            c.words = m.words
            c.prompts = m.prompts
            return c
        }
    }

    /// Encoded answer of get-model in three pieces: metadata, the model's cached word list (shared, not
    /// copied), prompts.
    func encodedModel(id: String) throws(ErrorAnswer) -> [ByteBuffer] {
        let (meta, words, prompts) = try locked { () throws(ErrorAnswer) -> (ModelMetadata, ByteBuffer, [Prompt]) in
            let m = try model(id)
            return (m.meta, m.encodedWords, m.prompts)
        }
        var head = JSONWriter(capacity: 512)
        head.modelHead(meta)
        head.raw(",\"words\":")
        var tail = JSONWriter()
        tail.raw(",\"prompts\":")
        tail.prompts(prompts)
        tail.raw("}")
        return [ByteBuffer(bytes: head.bytes), words, ByteBuffer(bytes: tail.bytes)]
    }

    /// `POST /v1/customizations/{id}`: name, description and words, all or nothing.
    public func updateModel(id: String, _ request: UpdateModelRequest) throws(ErrorAnswer) {
        if let name = request.name { try rules.checkName(name) }
        if let d = request.description { try rules.checkDescription(d) }
        try locked { () throws(ErrorAnswer) in
            let m = try model(id)
            let batch = try checked(request.words ?? [], language: m.meta.language)
            let merge = m.plan(batch)
            try checkLimit(adding: merge.added, to: m)
            guard request.name != nil || request.description != nil || !batch.isEmpty else { return }
            if let name = request.name { m.meta.name = name }
            if let d = request.description { m.meta.description = d }
            m.merge(batch, merge)
            m.meta.lastModified = clock.stamp()
        }
    }

    /// `DELETE /v1/customizations/{id}`.
    public func deleteModel(id: String) throws(ErrorAnswer) {
        try locked { () throws(ErrorAnswer) in
            _ = try model(id)
            models[id] = nil
            order.removeAll { $0 == id }
        }
    }

    // MARK: Words

    /// Checks every entry against the rules (all-or-nothing, reference [INF]); duplicates within one request:
    /// last wins. Needs no model state, so it runs outside the instance lock.
    private func checked(_ words: [WordEntry], language: String) throws(ErrorAnswer) -> WordBatch {
        for e in words {
            try rules.checkEntry(word: e.word, translation: e.translation, partOfSpeech: e.partOfSpeech, language: language)
        }
        return WordBatch(words)
    }

    /// The 20,000-entry limit: `added` new keys (from a plan made under the same lock) on top of the model.
    private func checkLimit(adding added: Int, to m: StoredModel) throws(ErrorAnswer) {
        if m.wordCount + added > ServiceLimits.maxWordsPerModel {
            throw .badRequest(
                "Adding \(added) new words would exceed the limit of \(ServiceLimits.maxWordsPerModel) entries per custom model (it has \(m.wordCount))")
        }
    }

    /// `POST /v1/customizations/{id}/words`.
    public func addWords(id: String, _ words: [WordEntry]) throws(ErrorAnswer) {
        // Entries are checked before taking the lock, so concurrent add-words into different models (a restore)
        // use every core; a model's language never changes, so checking against it early is exact.
        let language = try locked { () throws(ErrorAnswer) -> String in try model(id).meta.language }
        let batch = try checked(words, language: language)
        try locked { () throws(ErrorAnswer) in
            let m = try model(id)
            let merge = m.plan(batch)
            try checkLimit(adding: merge.added, to: m)
            guard !batch.isEmpty else { return }
            m.merge(batch, merge)
            m.meta.lastModified = clock.stamp()
        }
    }

    /// `PUT /v1/customizations/{id}/words/{word}`.
    public func setWord(id: String, word: String, _ translation: Translation) throws(ErrorAnswer) {
        try addWords(id: id, [WordEntry(word: word, translation: translation.translation,
                                        partOfSpeech: translation.partOfSpeech)])
    }

    /// `GET /v1/customizations/{id}/words`.
    public func words(id: String) throws(ErrorAnswer) -> [WordEntry] {
        try locked { () throws(ErrorAnswer) -> [WordEntry] in try model(id).words }
    }

    func encodedWords(id: String) throws(ErrorAnswer) -> ByteBuffer {
        try locked { () throws(ErrorAnswer) -> ByteBuffer in try model(id).encodedWords }
    }

    /// `GET /v1/customizations/{id}/words/{word}`.
    public func word(id: String, word: String) throws(ErrorAnswer) -> Translation {
        try locked { () throws(ErrorAnswer) -> Translation in
            guard let t = try model(id).translation(of: word) else { throw .wordNotFound(word) }
            return t
        }
    }

    /// `DELETE /v1/customizations/{id}/words/{word}`; a missing word is 400, as for get-word ([INF]).
    public func deleteWord(id: String, word: String) throws(ErrorAnswer) {
        try locked { () throws(ErrorAnswer) in
            let m = try model(id)
            guard m.removeWord(word) else { throw .wordNotFound(word) }
            m.meta.lastModified = clock.stamp()
        }
    }

    // MARK: Prompts (read-only: creating prompts is deprecated by the service)

    public func prompts(id: String) throws(ErrorAnswer) -> [Prompt] {
        try locked { () throws(ErrorAnswer) -> [Prompt] in try model(id).prompts }
    }

    public func prompt(id: String, promptID: String) throws(ErrorAnswer) -> Prompt {
        try locked { () throws(ErrorAnswer) -> Prompt in
            guard let p = try model(id).prompts.first(where: { $0.promptID == promptID }) else {
                throw .badRequest("Prompt '\(promptID)' not found in custom model")
            }
            return p
        }
    }

    public func deletePrompt(id: String, promptID: String) throws(ErrorAnswer) {
        try locked { () throws(ErrorAnswer) in
            let m = try model(id)
            guard let i = m.prompts.firstIndex(where: { $0.promptID == promptID }) else {
                throw .badRequest("Prompt '\(promptID)' not found in custom model")
            }
            m.prompts.remove(at: i)
            m.meta.lastModified = clock.stamp()
        }
    }

    // MARK: Seeding

    /// Loads a model in the format of get-model (IBM's manual backup). Words go through the same checks as
    /// add-words; the id and timestamps are kept when present (a fresh id if the id is taken or malformed);
    /// `owner` always becomes this instance's. Returns the id used.
    @discardableResult
    public func importModel(_ source: CustomModel) throws(ErrorAnswer) -> String {
        let language = source.language ?? ServiceLimits.defaultLanguage
        try rules.checkLanguage(language)
        let name = source.name ?? ""
        try rules.checkName(name)
        try rules.checkDescription(source.description ?? "")
        return try locked { () throws(ErrorAnswer) -> String in
            var id = source.customizationID.lowercased()
            if !GUID.isWellFormed(id) || models[id] != nil { id = GUID.random() }
            let now = clock.stamp()
            let created = source.created ?? now
            let meta = ModelMetadata(id: id, owner: owner, created: created,
                                     lastModified: source.lastModified ?? created, name: name,
                                     language: language, description: source.description ?? "")
            let m = StoredModel(meta: meta, prompts: source.prompts ?? [])
            let batch = try checked(source.words ?? [], language: language)
            let merge = m.plan(batch)
            try checkLimit(adding: merge.added, to: m)
            m.merge(batch, merge)
            models[id] = m
            order.append(id)
            return id
        }
    }

    /// Number of models and of entries over all models.
    public var counts: (models: Int, words: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (models.count, models.values.reduce(0) { $0 + $1.wordCount })
    }

    /// Ids in creation order.
    public var modelIDs: [String] {
        lock.lock()
        defer { lock.unlock() }
        return order
    }

    func wordCount(id: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return models[id]?.wordCount ?? 0
    }

    /// Sorted word keys of one model (for the churn's deterministic picks).
    func sortedWordKeys(id: String) throws(ErrorAnswer) -> [String] {
        try locked { () throws(ErrorAnswer) -> [String] in try model(id).words.map(\.word) }
    }
}

