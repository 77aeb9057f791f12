import Basics
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TTSAPI

/// Client of the Text to Speech customization API (reference §2) over one shared `HTTPClient`.
///
/// Every method throws ``ServiceError`` for service and transport failures (`CancellationError` when
/// cancelled). Call ``shutdown()`` when done, or use ``withClient(credentials:configuration:logger:_:)``.
public final class TextToSpeechClient: Sendable {
    /// The service URL without user info or query: safe to record in an archive or print.
    public let serviceURL: String
    /// The `AUTH_TYPE` name of the scheme in use (`iam`, `basic`, ...).
    public let authenticationType: String
    public let configuration: ClientConfiguration

    private let baseURL: String
    private let httpClient: HTTPClient
    let transport: Transport  // internal: tests read its semaphore
    private let authorizer: Authorizer

    public init(credentials: ServiceCredentials, configuration: ClientConfiguration = .init(),
                logger: Logger = Logger(label: "tts-archive.client")) throws(CredentialError) {
        guard let base = ServiceURL.base(credentials.serviceURL) else {
            throw CredentialError("the service URL is not an http or https URL")
        }
        baseURL = base
        serviceURL = ServiceURL.redacted(credentials.serviceURL)
        authenticationType = credentials.authentication.typeName
        self.configuration = configuration

        var httpConfiguration = HTTPClient.Configuration(
            certificateVerification: credentials.disableSSL ? .none : .fullVerification,
            redirectConfiguration: .disallow,  // never resend an Authorization header to another host
            timeout: .init(connect: Self.timeAmount(configuration.connectTimeout)))
        // Our retry loop decides about connect failures (and must see them to know a create was not sent).
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.maxConcurrentRequests
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        transport = Transport(
            httpClient: httpClient, configuration: configuration, logger: logger,
            scrubber: Scrubber(secrets: credentials.authentication.secretValues),
            semaphore: AsyncSemaphore(permits: configuration.maxConcurrentRequests),
            serviceTLSInsecure: credentials.disableSSL)

        switch credentials.authentication {
        case .none:
            authorizer = .fixed(nil)
        case .basic(let username, let password):
            authorizer = .fixed(Authorizer.basic(username: username, password: password.value))
        case .bearerToken(let token):
            authorizer = .fixed("Bearer " + token.value)
        case .iam(let apiKey, let authURL, let clientID, let clientSecret, let scope):
            authorizer = .tokens(TokenManager(fetch: TokenRequests.iam(
                apiKey: apiKey, authURL: authURL, clientID: clientID, clientSecret: clientSecret, scope: scope,
                insecureTLS: credentials.authDisableSSL, transport: transport)))
        case .cloudPakForData(let authURL, let username, let secret):
            authorizer = .tokens(TokenManager(fetch: TokenRequests.cloudPak(
                authURL: authURL, username: username, secret: secret,
                insecureTLS: credentials.authDisableSSL, transport: transport)))
        }
    }

    /// Creates a client, runs `body`, and shuts the client down whatever happens.
    public static func withClient<T: Sendable>(
        credentials: ServiceCredentials, configuration: ClientConfiguration = .init(),
        logger: Logger = Logger(label: "tts-archive.client"),
        _ body: (TextToSpeechClient) async throws -> T
    ) async throws -> T {
        let client = try TextToSpeechClient(credentials: credentials, configuration: configuration, logger: logger)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes the connection pool. Required before the client is released.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    // MARK: Operations (reference §2.1)

    /// `GET /v1/customizations[?language=]`: every model of the instance, without words or prompts.
    public func listModels(language: String? = nil) async throws -> [CustomModel] {
        let query = language.map { "language=\(PathSegment.encode($0))" }
        return try await get(CustomModelList.self, ["v1", "customizations"], query: query, namesCustomization: false)
            .customizations
    }

    /// `POST /v1/customizations` (201). Not retried after a failure that may have created the model:
    /// those throw ``ServiceError/Kind/ambiguousCreate``.
    public func createModel(_ request: CreateModelRequest) async throws -> CreatedModel {
        let call = try makeCall(.POST, ["v1", "customizations"], body: request, namesCustomization: false,
                                retryMode: .onlyIfNotProcessed)
        return try await decode(CreatedModel.self, call)
    }

    /// `GET /v1/customizations/{id}`: metadata, words and prompts. The answer must be for the model asked for and
    /// carry a `words` array (empty for an empty model): the service always sends both, and taking an answer for
    /// another id, or one without words, for this model would record it wrongly (as deleted, or as emptied).
    /// Either is a ``ServiceError/Kind/malformedResponse``.
    public func getModel(id: String) async throws -> CustomModel {
        try await get(["v1", "customizations", id], fast: CustomModel.decodeFast) { model in
            Self.getModelProblem(asked: id, answered: model.customizationID, hasWords: model.words != nil)
        }
    }

    /// `GET /v1/customizations/{id}` with the words kept as bytes (the model's `words` stays nil): a restore's
    /// verification reads back every entry it sent. Checked as ``getModel(id:)`` is.
    public func getModelPackingWords(id: String) async throws -> (model: CustomModel, words: PackedWords) {
        let (model, words) = try await get(["v1", "customizations", id], fast: CustomModel.decodeFastPackingWords) { answer in
            Self.getModelProblem(asked: id, answered: answer.0.customizationID, hasWords: answer.1 != nil)
        }
        return (model, words ?? PackedWords())
    }

    /// What makes a get-model answer unusable, or nil when it is well-formed (reference §4.1: `words` is always
    /// there, `[]` when there are none; every other key but `customization_id` is optional).
    static func getModelProblem(asked: String, answered: String, hasWords: Bool) -> String? {
        if !ByteOrder.equal(asked, answered) {
            return "it is for customization_id \(answered.debugDescription), not the model asked for"
        }
        if !hasWords { return "no words array (an empty model has \"words\": [])" }
        return nil
    }

    /// `POST /v1/customizations/{id}` (200): name, description and/or words (added or overwritten).
    public func updateModel(id: String, _ update: UpdateModelRequest) async throws {
        try await send(makeCall(.POST, ["v1", "customizations", id], body: update))
    }

    /// `DELETE /v1/customizations/{id}` (204).
    public func deleteModel(id: String) async throws {
        try await send(makeCall(.DELETE, ["v1", "customizations", id]))
    }

    /// `POST /v1/customizations/{id}/words` (200 `{}`): adds or overwrites the entries.
    public func addWords(id: String, _ words: [WordEntry]) async throws {
        // Written by hand: JSONEncoder cost more than the request itself on a restore's batches.
        try await addWords(id: id, body: JSONWriter.wordList(words))
    }

    /// Add-words with entries `range` of `words`.
    public func addWords(id: String, _ words: PackedWords, _ range: Range<Int>) async throws {
        try await addWords(id: id, body: JSONWriter.wordList(words, range))
    }

    private func addWords(id: String, body: [UInt8]) async throws {
        var call = makeCall(.POST, ["v1", "customizations", id, "words"])
        call.headers.add(name: "Content-Type", value: "application/json")
        call.body = Data(body)
        try await send(call)
    }

    /// `GET /v1/customizations/{id}/words`.
    public func listWords(id: String) async throws -> [WordEntry] {
        try await get(["v1", "customizations", id, "words"], fast: WordList.decodeFast).words
    }

    /// `PUT /v1/customizations/{id}/words/{word}` (200): adds or overwrites one entry.
    public func addWord(id: String, word: String, _ translation: Translation) async throws {
        try await send(makeCall(.PUT, ["v1", "customizations", id, "words", word], body: translation))
    }

    /// `GET /v1/customizations/{id}/words/{word}`; a word not in the model is a 400 ``ServiceError``.
    public func getWord(id: String, word: String) async throws -> Translation {
        try await get(Translation.self, ["v1", "customizations", id, "words", word])
    }

    /// `DELETE /v1/customizations/{id}/words/{word}` (204).
    public func deleteWord(id: String, word: String) async throws {
        try await send(makeCall(.DELETE, ["v1", "customizations", id, "words", word]))
    }

    /// `GET /v1/customizations/{id}/prompts`: prompt metadata (the API never returns prompt audio).
    public func listPrompts(id: String) async throws -> [Prompt] {
        try await get(PromptList.self, ["v1", "customizations", id, "prompts"]).prompts
    }

    // MARK: Plumbing

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Every path segment is percent-encoded on its own (`TCP/IP` → `TCP%2FIP`) and appended to the base URL,
    /// which keeps any instance prefix.
    private func makeCall(_ method: HTTPMethod, _ segments: [String], query: String? = nil,
                          namesCustomization: Bool = true, retryMode: Call.RetryMode = .idempotent) -> Call {
        let path = "/" + segments.map(PathSegment.encode).joined(separator: "/")
        let headers: HTTPHeaders = ["Accept": "application/json"]
        return Call(method: method, url: baseURL + path + (query.map { "?" + $0 } ?? ""), path: path,
                    headers: headers, retryMode: retryMode, target: .service(namesCustomization: namesCustomization))
    }

    private func makeCall(_ method: HTTPMethod, _ segments: [String], body: some Encodable,
                          namesCustomization: Bool = true, retryMode: Call.RetryMode = .idempotent) throws -> Call {
        var call = makeCall(method, segments, namesCustomization: namesCustomization, retryMode: retryMode)
        call.headers.add(name: "Content-Type", value: "application/json")
        call.body = try Self.encoder.encode(body)
        return call
    }

    private func get<T: Decodable>(_ type: T.Type, _ segments: [String], query: String? = nil,
                                   namesCustomization: Bool = true) async throws -> T {
        try await decode(type, makeCall(.GET, segments, query: query, namesCustomization: namesCustomization))
    }

    /// For the lexicon-sized answers: one of TTSAPI's hand-written decoders instead of JSONDecoder, which
    /// took a third of a snapshot's CPU time.
    /// `problem` says what makes a decoded answer unusable (nil when it is fine): a malformed answer too.
    private func get<T>(_ segments: [String], fast: (UnsafeRawBufferPointer) throws(JSONScanError) -> T,
                        problem: (T) -> String? = { _ in nil }) async throws -> T {
        let call = makeCall(.GET, segments)
        let answer = try await transport.send(call, authorizer: authorizer)
        let value = try transport.decode(call, answer, fast)
        if let reason = problem(value) { throw transport.malformed(call, answer, MalformedAnswer(reason)) }
        return value
    }

    private func decode<T: Decodable>(_ type: T.Type, _ call: Call) async throws -> T {
        let answer = try await transport.send(call, authorizer: authorizer)
        return try transport.decode(type, call, answer)
    }

    /// For calls whose answer carries nothing (`{}`, empty, 204): any 2xx is success.
    private func send(_ call: Call) async throws {
        _ = try await transport.send(call, authorizer: authorizer)
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
