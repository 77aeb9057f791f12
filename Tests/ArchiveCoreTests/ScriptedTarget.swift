import ArchiveCore
import Foundation
import TTSAPI
import TTSClient

/// An in-memory restore target for archive-core tests, as ``ScriptedSource`` is for snapshots: models in creation
/// order, words keyed by their exact bytes, every request recorded, and scripted failures thrown as the client's
/// ``ServiceError`` values.
final class ScriptedTarget: RestoreTarget, @unchecked Sendable {
    let serviceURL = "http://127.0.0.1:1/instances/scripted-target"

    struct Model {
        var meta: CustomModel
        /// Keyed by the word's UTF-8 bytes: `String`'s `==` would fold `café` and `cafe\u{301}` into one.
        var words: [[UInt8]: WordEntry] = [:]
    }

    /// One request as the service would see it.
    enum Call: Equatable, CustomStringConvertible {
        case list
        case create(name: String)
        case update(id: String, name: String?, description: String?)
        case addWords(id: String, words: [String])
        case putWord(id: String, word: String)
        case getWord(id: String, word: String)
        case deleteModel(id: String)
        case deleteWord(id: String, word: String)
        case get(id: String)

        var description: String {
            switch self {
            case .list: "GET /v1/customizations"
            case .create(let name): "POST /v1/customizations (\(name))"
            case .update(let id, let name, let d): "POST /v1/customizations/\(id) (name \(name ?? "-"), description \(d ?? "-"))"
            case .addWords(let id, let words): "POST /v1/customizations/\(id)/words (\(words.count) words)"
            case .putWord(let id, let word): "PUT /v1/customizations/\(id)/words/\(word)"
            case .getWord(let id, let word): "GET /v1/customizations/\(id)/words/\(word)"
            case .deleteModel(let id): "DELETE /v1/customizations/\(id)"
            case .deleteWord(let id, let word): "DELETE /v1/customizations/\(id)/words/\(word)"
            case .get(let id): "GET /v1/customizations/\(id)"
            }
        }

        var writes: Bool {
            switch self {
            case .list, .get, .getWord: false
            default: true
            }
        }
    }

    private let lock = NSLock()
    private var models: [String: Model] = [:]
    private var order: [String] = []
    private var nextID = 0
    private var _calls: [Call] = []
    private var _failures: [Call] = []

    /// Words refused with a 400 in any request that carries them (as the service refuses a whole batch).
    var refusedWords: Set<String> = []
    /// Runs before each create (set it before the run starts).
    var onCreate: (@Sendable () async throws -> Void)?
    /// Words a delete-word refuses with a 400 while leaving them in place.
    var refusedDeletes: Set<String> = []
    /// This many creates make the model but lose the answer: `.ambiguousCreate`, as a dropped connection.
    var lostCreateAnswers = 0
    /// Add-words and put-word requests that succeed before every later one fails with a 500 (the client's
    /// retries exhausted) without reaching a model.
    var wordRequestsAllowed = Int.max

    private var pauseRule: (remaining: Int, matching: @Sendable (Call) -> Bool)?
    private let pausedCalls: AsyncStream<Call>
    private let pausedContinuation: AsyncStream<Call>.Continuation

    init() { (pausedCalls, pausedContinuation) = AsyncStream.makeStream(of: Call.self) }

    /// A named pause point: the `occurrence`-th request from now that `matching` accepts suspends until its task
    /// is cancelled, then throws `CancellationError` without reaching a model (as a cancelled HTTP request does;
    /// it is not recorded in ``calls``). ``paused()`` returns it once it waits.
    func pause(at occurrence: Int = 1, where matching: @escaping @Sendable (Call) -> Bool) {
        lock.withLock { pauseRule = (occurrence, matching) }
    }

    /// Waits until a request is suspended at the pause point, and returns it.
    func paused() async -> Call {
        for await call in pausedCalls { return call }
        fatalError("the pause stream never ends")
    }

    var calls: [Call] { lock.withLock { _calls } }
    /// Requests that threw, in order.
    var failures: [Call] { lock.withLock { _failures } }
    var writes: [Call] { calls.filter(\.writes) }
    var creates: Int { calls.filter { if case .create = $0 { true } else { false } }.count }

    /// A model that is already on the target (not recorded as a request).
    @discardableResult
    func put(id fixedID: String? = nil, name: String, language: String = "en-US", description: String = "",
             words: [WordEntry] = []) -> String {
        lock.withLock {
            let id = fixedID ?? newID()
            models[id] = Model(meta: CustomModel(customizationID: id, name: name, language: language, owner: "owner",
                                                 created: created(), lastModified: created(), description: description),
                               words: Dictionary(words.map { (Array($0.word.utf8), $0) }, uniquingKeysWith: { _, b in b }))
            order.append(id)
            return id
        }
    }

    /// The model as get-model returns it (words in service order), or nil.
    func model(_ id: String) -> CustomModel? {
        lock.withLock { models[id].map(Self.full) }
    }

    var modelIDs: [String] { lock.withLock { order } }

    func resetCalls() { lock.withLock { _calls = []; _failures = [] } }

    // MARK: RestoreTarget

    func listModels() async throws -> [CustomModel] {
        try await checkpoint(.list)
        return lock.withLock {
            _calls.append(.list)
            return order.map { models[$0]!.meta }
        }
    }

    func createModel(_ request: CreateModelRequest) async throws -> CreatedModel {
        try await checkpoint(.create(name: request.name))
        if let onCreate { try await onCreate() }
        return try lock.withLock {
            let call = Call.create(name: request.name)
            _calls.append(call)
            let id = newID()
            models[id] = Model(meta: CustomModel(customizationID: id, name: request.name, language: request.language ?? "en-US",
                                                 owner: "owner", created: created(), lastModified: created(),
                                                 description: request.description))
            order.append(id)
            if lostCreateAnswers > 0 {
                lostCreateAnswers -= 1
                _failures.append(call)
                throw ServiceError(kind: .ambiguousCreate, method: "POST", path: "/v1/customizations", transportFailure: .connectionLost)
            }
            return CreatedModel(customizationID: id)
        }
    }

    func updateModel(id: String, _ update: UpdateModelRequest) async throws {
        try await checkpoint(.update(id: id, name: update.name, description: update.description))
        try lock.withLock {
            let call = Call.update(id: id, name: update.name, description: update.description)
            _calls.append(call)
            guard models[id] != nil else { throw unknown(call, id) }
            // All or nothing, as the service: entries it refuses refuse the metadata too.
            if let refused = update.words?.first(where: { refusedWords.contains($0.word) }) {
                throw badRequest(call, "Word '\(refused.word)' is refused by this target")
            }
            if let name = update.name { models[id]!.meta.name = name }
            if let d = update.description { models[id]!.meta.description = d }
            for e in update.words ?? [] { models[id]!.words[Array(e.word.utf8)] = e }
            _updateWords += update.words?.count ?? 0
        }
    }

    /// Entries carried by update requests (metadata with words).
    var updateWords: Int { lock.withLock { _updateWords } }
    private var _updateWords = 0

    /// Changes a model on the target as someone working on it directly would (not recorded as a request).
    func edit(_ id: String, name: String? = nil, description: String? = nil, words: [WordEntry] = [], deleting: [String] = []) {
        lock.withLock {
            if let name { models[id]!.meta.name = name }
            if let description { models[id]!.meta.description = description }
            for e in words { models[id]!.words[Array(e.word.utf8)] = e }
            for w in deleting { models[id]!.words[Array(w.utf8)] = nil }
        }
    }

    /// Deletes a model on the target directly (not recorded as a request).
    func remove(_ id: String) {
        lock.withLock {
            models[id] = nil
            order.removeAll { $0 == id }
        }
    }

    func addWords(id: String, _ words: PackedWords, _ range: Range<Int>) async throws {
        let entries = range.map(words.entry)
        try await checkpoint(.addWords(id: id, words: entries.map(\.word)))
        try lock.withLock {
            let call = Call.addWords(id: id, words: entries.map(\.word))
            try add(entries, to: id, call)
        }
    }

    func addWord(id: String, word: String, _ translation: Translation) async throws {
        try await checkpoint(.putWord(id: id, word: word))
        try lock.withLock {
            let call = Call.putWord(id: id, word: word)
            try add([WordEntry(word: word, translation: translation.translation, partOfSpeech: translation.partOfSpeech)], to: id, call)
        }
    }

    func getWord(id: String, word: String) async throws -> Translation {
        try await checkpoint(.getWord(id: id, word: word))
        return try lock.withLock {
            let call = Call.getWord(id: id, word: word)
            _calls.append(call)
            guard let m = models[id] else { throw unknown(call, id) }
            guard let e = m.words[Array(word.utf8)] else { throw badRequest(call, "Word '\(word)' not found in custom model") }
            return e.asTranslation
        }
    }

    func deleteModel(id: String) async throws {
        try await checkpoint(.deleteModel(id: id))
        try lock.withLock {
            let call = Call.deleteModel(id: id)
            _calls.append(call)
            guard models.removeValue(forKey: id) != nil else { throw unknown(call, id) }
            order.removeAll { $0 == id }
        }
    }

    func deleteWord(id: String, word: String) async throws {
        try await checkpoint(.deleteWord(id: id, word: word))
        try lock.withLock {
            let call = Call.deleteWord(id: id, word: word)
            _calls.append(call)
            guard models[id] != nil else { throw unknown(call, id) }
            if refusedDeletes.contains(word) { throw badRequest(call, "Word '\(word)' cannot be deleted now") }
            guard models[id]!.words.removeValue(forKey: Array(word.utf8)) != nil else {
                throw badRequest(call, "Word '\(word)' not found in custom model")
            }
        }
    }

    func getModelPackingWords(id: String) async throws -> (model: CustomModel, words: PackedWords) {
        try await checkpoint(.get(id: id))
        return try lock.withLock {
            let call = Call.get(id: id)
            _calls.append(call)
            guard let m = models[id] else { throw unknown(call, id) }
            var model = Self.full(m)
            let words = PackedWords(model.words ?? [])
            model.words = nil
            return (model, words)
        }
    }

    // MARK: Pause point

    private func checkpoint(_ call: Call) async throws {
        let pauses: Bool = lock.withLock {
            guard let rule = pauseRule, rule.matching(call) else { return false }
            pauseRule!.remaining -= 1
            guard pauseRule!.remaining == 0 else { return false }
            pauseRule = nil
            return true
        }
        guard pauses else { return }
        let gate = Gate()
        pausedContinuation.yield(call)
        await withTaskCancellationHandler {
            await withCheckedContinuation { gate.wait($0) }
        } onCancel: {
            gate.open()
        }
        throw CancellationError()
    }

    /// A continuation resumed once, by whichever comes second of `wait` and `open`.
    private final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var opened = false
        private var waiting: CheckedContinuation<Void, Never>?

        func wait(_ continuation: CheckedContinuation<Void, Never>) {
            lock.lock()
            if opened {
                lock.unlock()
                continuation.resume()
            } else {
                waiting = continuation
                lock.unlock()
            }
        }

        func open() {
            let continuation: CheckedContinuation<Void, Never>? = lock.withLock {
                opened = true
                defer { waiting = nil }
                return waiting
            }
            continuation?.resume()
        }
    }

    // MARK: Plumbing (under the lock)

    private func add(_ entries: [WordEntry], to id: String, _ call: Call) throws {
        _calls.append(call)
        guard models[id] != nil else { throw unknown(call, id) }
        if wordRequestsAllowed <= 0 {
            _failures.append(call)
            throw ServiceError(kind: .serverError, method: "POST", path: "/v1/customizations/\(id)/words", status: 500,
                               message: "Internal error", attempts: 4)
        }
        if let refused = entries.first(where: { refusedWords.contains($0.word) }) {
            throw badRequest(call, "Word '\(refused.word)' is refused by this target")
        }
        for e in entries { models[id]!.words[Array(e.word.utf8)] = e }
        wordRequestsAllowed -= 1
    }

    private func unknown(_ call: Call, _ id: String) -> ServiceError {
        _failures.append(call)
        return ServiceError(kind: .unknownCustomization, method: "GET", path: "/v1/customizations/\(id)", status: 401,
                            message: "Invalid customization ID '\(id)'")
    }

    private func badRequest(_ call: Call, _ message: String) -> ServiceError {
        _failures.append(call)
        return ServiceError(kind: .badRequest, method: "POST", path: "/v1/customizations", status: 400, message: message)
    }

    private func newID() -> String {
        nextID += 1
        return String(format: "eeeeeeee-0000-0000-0000-%012d", nextID)
    }

    private func created() -> String { String(format: "2026-02-01T00:00:00.%03dZ", nextID % 1000) }

    private static func full(_ m: Model) -> CustomModel {
        var c = m.meta
        c.words = m.words.values.sorted { WordEntry.serviceOrder($0.word, $1.word) }
        c.prompts = []
        return c
    }
}
