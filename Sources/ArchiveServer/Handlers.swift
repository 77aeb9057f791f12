import Basics
import ArchiveCore
import Foundation
import OpenAPIRuntime
import TTSAPI
import TTSClient

/// The API of `openapi.yaml` (``APIProtocol``, generated): each handler checks its request, calls the core (reads)
/// or starts an operation (``OperationCenter``, ``OperationJobs``), and answers the generated types. Every error
/// answers `default` with its status and the one error shape.
struct Handlers: APIProtocol {
    let server: ArchiveHTTPServer
    var directory: ServiceDirectory { server.directory }
    var center: OperationCenter { server.center }
    var archivePath: String { server.options.archivePath }

    var jobs: OperationJobs {
        OperationJobs(archivePath: archivePath, clients: server.clients, logger: server.logger, baseURL: RequestInfo.baseURL)
    }

    // MARK: helpers

    static func error(_ error: any Error) -> (Int, Components.Responses._Error) {
        let e = APIError.from(error)
        return (e.status, .init(body: .json(.init(error: .init(code: e.code, message: e.message, target: e.target)))))
    }

    /// Runs a handler's body; any error it throws answers the operation's `default` response (each generated
    /// Output is its own enum: `fallback` is its `.default` case, e.g. `Operations.GetSnapshot.Output.default`)
    /// with the error's status and the one error shape.
    func answering<Output>(_ fallback: (_ statusCode: Int, Components.Responses._Error) -> Output,
                           _ body: () async throws -> Output) async -> Output {
        do {
            return try await body()
        } catch {
            let (status, answer) = Self.error(error)
            return fallback(status, answer)
        }
    }

    /// Reads the archive through a store of this read's own (reads never wait for a job), kept open between
    /// requests and checked before each use (``ReadStores``): the answer is what a CLI command would read.
    func reading<T>(_ body: (ArchiveStore) throws -> T) throws -> T {
        try server.readers.read(body)
    }

    /// Resolves a selector; `latest`, `latest~N` and times count the snapshots of `source` (the named one, or
    /// the only one configured; several and none named is 400).
    func snapshotID(_ text: String, source: String?, field: String, reader: SnapshotReader) throws -> Int64 {
        let selector: SnapshotSelector
        do { selector = try SnapshotSelector.parse(text) } catch { throw APIError.from(error, target: field) }
        var url: String?
        switch selector {
        case .latest, .at: url = try directory.sourceURL(source)
        case .id, .tag: if let source { _ = try directory.source(source) }
        }
        do { return try reader.resolve(selector, sourceURL: url) } catch { throw APIError.from(error, target: field) }
    }

    static func validOperationID(_ id: String?) throws(APIError) -> String? {
        guard let id else { return nil }
        guard ServerConfig.isName(id) else {
            throw .badRequest("Operation-Id takes 1 to 64 of A-Z a-z 0-9 . _ -", target: "Operation-Id")
        }
        return id
    }

    static func canonical<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func snapshotSchema(_ r: SnapshotRecord) -> Components.Schemas.Snapshot {
        let name = directory.sources.first { $0.url == r.source && r.sourceKind == "service" }?.name
        return .init(id: r.id, source: name ?? r.source, sourceUrl: r.source, scope: r.scope.isEmpty ? nil : r.scope,
                     startedAt: r.startedAt, finishedAt: r.finishedAt, note: r.note, tags: r.tags, models: r.models, words: r.words,
                     prompts: r.prompts,
                     changes: .init(modelsAdded: r.modelsAdded, modelsRemoved: r.modelsRemoved, modelsChanged: r.modelsChanged,
                                    wordsAdded: r.wordsAdded, wordsRemoved: r.wordsRemoved, wordsChanged: r.wordsChanged),
                     digest: r.digest, url: "\(RequestInfo.baseURL)/v1/snapshots/\(r.id)")
    }

    /// The status monitor of an operation row.
    func monitor(_ o: OperationRecord) -> Components.Schemas.Operation {
        let p = o.progress
        var result: Components.Schemas.OperationResult?
        if let text = o.result { result = try? JSONDecoder().decode(Components.Schemas.OperationResult.self, from: Data(text.utf8)) }
        let error = o.errorCode.map { Components.Schemas.ErrorDetail(code: $0, message: o.errorMessage ?? "", target: o.errorTarget) }
        let resource = o.kind == "snapshot" && o.status == .succeeded ? o.snapshot.map { "\(RequestInfo.baseURL)/v1/snapshots/\($0)" } : nil
        return .init(id: o.id, kind: .init(rawValue: o.kind) ?? .snapshot, status: .init(rawValue: o.status.rawValue) ?? .failed,
                     source: o.source, target: o.target, createdDateTime: o.createdAt, lastActionDateTime: o.lastActionAt,
                     percentComplete: Self.percent(o), progress: .init(phase: p?.phase.rawValue, modelsDone: p?.modelsDone ?? 0,
                                                                        modelsTotal: p?.modelsTotal ?? 0, wordsDone: p?.wordsDone ?? 0,
                                                                        wordsTotal: p?.wordsTotal ?? 0),
                     warnings: o.warnings.count, warningMessages: o.warnings.isEmpty ? nil : o.warnings, error: error, result: result,
                     resourceLocation: resource, restoreRun: o.restoreRun, resumedFrom: o.resumedFrom,
                     trigger: .init(rawValue: o.trigger.rawValue))
    }

    /// 0 to 100 from the phase and its counts; 100 only once the operation has ended.
    static func percent(_ o: OperationRecord) -> Int {
        if o.status.isTerminal { return 100 }
        guard let p = o.progress else { return 0 }
        func fraction() -> Double {
            if p.wordsTotal > 0 { return Double(p.wordsDone) / Double(p.wordsTotal) }
            if p.modelsTotal > 0 { return Double(p.modelsDone) / Double(p.modelsTotal) }
            return 0
        }
        let (start, span): (Double, Double) = switch p.phase.rawValue {
        case "replay", "fetch", "apply": (5, 85)
        case "verify", "commit": (90, 9)
        case "done": (99, 0)
        default: (0, 5)
        }
        return min(99, Int(start + span * min(1, fraction())))
    }

    func operationURL(_ id: String) -> String { "\(RequestInfo.baseURL)/v1/operations/\(id)" }

    var retryAfter: Int { server.options.retryAfter }

    func acceptedHeaders(_ o: OperationRecord) -> Components.Responses.OperationAccepted.Headers {
        .init(operationLocation: operationURL(o.id), operationId: o.id, retryAfter: retryAfter, location: operationURL(o.id) + "/result")
    }

    /// 202 for a started operation, 200 for a repeated Operation-Id.
    enum StartAnswer {
        case accepted(Components.Responses.OperationAccepted)
        case existing(Components.Responses.OperationExisting)
    }

    func start(_ spec: OperationSpec, clientID: String?) async throws -> StartAnswer {
        switch try await center.start(spec, clientID: try Self.validOperationID(clientID)) {
        case .started(let o):
            return .accepted(.init(headers: acceptedHeaders(o), body: .json(monitor(o))))
        case .existing(let o):
            let h = acceptedHeaders(o)
            return .existing(.init(headers: .init(operationLocation: h.operationLocation, operationId: h.operationId,
                                                  retryAfter: o.status.isTerminal ? nil : retryAfter, location: h.location),
                                   body: .json(monitor(o))))
        }
    }

    static func filter(models: [String]?, languages: [String]?) -> ModelFilter {
        ModelFilter(languages: languages ?? [], models: models ?? [])
    }

    // MARK: service

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        do {
            _ = try reading { try $0.info() }
        } catch {
            let e = APIError.from(error)
            return .serviceUnavailable(.init(body: .json(.init(error: .init(code: "archive_unusable", message: e.message)))))
        }
        guard directory.sources.contains(where: { $0.credentials != nil }) else {
            let why = directory.sources.compactMap(\.error).joined(separator: "; ")
            return .serviceUnavailable(.init(body: .json(.init(error: .init(code: "not_configured",
                                                                            message: "no source has usable credentials: \(why)")))))
        }
        return .ok(.init(body: .json(.init(status: "ready"))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(PackageResources.openapi_yaml))))
    }

    func listSources(_ input: Operations.ListSources.Input) async throws -> Operations.ListSources.Output {
        var value = directory.sources.map {
            Components.Schemas.Source(name: $0.name, kind: .source, serviceName: $0.serviceName, url: $0.url ?? "", error: $0.error)
        }
        for t in directory.config.targets {
            do {
                let (_, credentials) = try directory.target(t.name)
                value.append(.init(name: t.name, kind: .target, serviceName: t.serviceName, url: credentials.redactedServiceURL))
            } catch {
                value.append(.init(name: t.name, kind: .target, serviceName: t.serviceName, url: "", error: error.message))
            }
        }
        return .ok(.init(body: .json(.init(value: value))))
    }

    // MARK: snapshots

    func listSnapshots(_ input: Operations.ListSnapshots.Input) async throws -> Operations.ListSnapshots.Output {
        await answering(Operations.ListSnapshots.Output.default) {
            let q = input.query
            let page = try Page(top: q.top, skip: q.skip)
            var listing = SnapshotReader.Listing(tag: q.tag)
            if let source = q.source {
                listing.sourceURL = try directory.source(source).url ?? "-"
            }
            for (name, value) in [("since", q.since), ("until", q.until)] {
                guard let value else { continue }
                guard case .at(let date, _) = try? SnapshotSelector.at(value) else {
                    throw APIError.badRequest("\(name) takes an ISO 8601 time or date (e.g. 2026-11-20T03:00:00Z), not '\(value)'", target: name)
                }
                // A date alone means the start of that day for `since`, its end for `until`.
                let stamp = name == "since" && value.count == 10 ? Timestamp.string(from: date.addingTimeInterval(-86_400 + 0.001))
                    : Timestamp.string(from: date)
                if name == "since" { listing.since = stamp } else { listing.until = stamp }
            }
            let rows = try reading { try SnapshotReader($0).list(listing, limit: page.fetchLimit, offset: page.skip) }
            let (items, next) = page.cut(rows, path: "/v1/snapshots",
                                         query: [("source", q.source), ("tag", q.tag), ("since", q.since), ("until", q.until)])
            let list = Components.Schemas.SnapshotList(value: items.map(snapshotSchema), nextLink: next)
            // Written directly (SnapshotJSON.swift): the generated encoding cost more than the read.
            return .ok(.init(body: .json(EncodedAnswer.answer(list, encoded: { $0.jsonBytes() }, empty: .init(value: [])))))
        }
    }

    func getSnapshot(_ input: Operations.GetSnapshot.Input) async throws -> Operations.GetSnapshot.Output {
        await answering(Operations.GetSnapshot.Output.default) {
            let record = try reading { store -> SnapshotRecord? in
                let reader = SnapshotReader(store)
                return try reader.snapshot(try snapshotID(input.path.selector, source: input.query.source, field: "selector", reader: reader))
            }
            guard let record else { throw APIError.notFound("no snapshot \(input.path.selector)", target: "selector") }
            return .ok(.init(body: .json(snapshotSchema(record))))
        }
    }

    /// Tags change the archive as `tts-archive tag` does: one short write transaction, with no run lock and not
    /// behind this server's writer gate (no job holds a write transaction across a network call, so a tag never
    /// waits for a running snapshot or restore). A database busy past SQLite's busy timeout is 409 `locked`.
    func changeTag(selector: String, tag: String, source: String?, add: Bool) async throws -> Components.Schemas.Snapshot {
        do { try SnapshotSelector.validateTag(tag) } catch { throw APIError.from(error, target: "tag") }
        let store = try ArchiveStore(path: archivePath, access: .write)
        let reader = SnapshotReader(store)
        let id = try snapshotID(selector, source: source, field: "selector", reader: reader)
        if add { try ArchiveMaintenance(store).addTags([tag], to: id) } else { try ArchiveMaintenance(store).removeTags([tag], from: id) }
        guard let record = try reader.snapshot(id) else { throw APIError.notFound("no snapshot \(selector)", target: "selector") }
        return snapshotSchema(record)
    }

    func addSnapshotTag(_ input: Operations.AddSnapshotTag.Input) async throws -> Operations.AddSnapshotTag.Output {
        await answering(Operations.AddSnapshotTag.Output.default) {
            return .ok(.init(body: .json(try await changeTag(selector: input.path.selector, tag: input.path.tag,
                                                             source: input.query.source, add: true))))
        }
    }

    func removeSnapshotTag(_ input: Operations.RemoveSnapshotTag.Input) async throws -> Operations.RemoveSnapshotTag.Output {
        await answering(Operations.RemoveSnapshotTag.Output.default) {
            return .ok(.init(body: .json(try await changeTag(selector: input.path.selector, tag: input.path.tag,
                                                             source: input.query.source, add: false))))
        }
    }

    func listSnapshotModels(_ input: Operations.ListSnapshotModels.Input) async throws -> Operations.ListSnapshotModels.Output {
        await answering(Operations.ListSnapshotModels.Output.default) {
            let page = try Page(top: input.query.top, skip: input.query.skip)
            let models = try reading { store in
                let reader = SnapshotReader(store)
                return try reader.modelSummaries(in: try snapshotID(input.path.selector, source: input.query.source, field: "selector",
                                                                    reader: reader))
            }
            let (items, next) = page.cut(all: models, path: "/v1/snapshots/\(PathSegment.encode(input.path.selector))/models",
                                         query: [("source", input.query.source)])
            return .ok(.init(body: .json(.init(value: items.map {
                .init(customizationId: $0.customizationID, name: $0.name, language: $0.language, description: $0.description,
                      words: $0.words, prompts: $0.prompts)
            }, nextLink: next))))
        }
    }

    func listSnapshotWords(_ input: Operations.ListSnapshotWords.Input) async throws -> Operations.ListSnapshotWords.Output {
        await answering(Operations.ListSnapshotWords.Output.default) {
            let page = try Page(top: input.query.top, skip: input.query.skip)
            let id = input.path.customizationId
            let (snapshot, model) = try reading { store -> (Int64, CustomModel?) in
                let reader = SnapshotReader(store)
                let snapshot = try snapshotID(input.path.selector, source: input.query.source, field: "selector", reader: reader)
                return (snapshot, try reader.models(in: snapshot, filter: ModelFilter(models: [id])).first { $0.customizationID == id })
            }
            guard let model else {
                throw APIError.notFound("snapshot \(snapshot) has no model with customization id '\(id)' "
                                        + "(see /v1/snapshots/\(snapshot)/models)", target: "customization_id")
            }
            var words = model.words ?? []
            if let search = input.query.search, !search.isEmpty {
                words = words.filter { $0.word.contains(search) || $0.translation.contains(search) }
            }
            let (items, next) = page.cut(all: words,
                                         path: "/v1/snapshots/\(PathSegment.encode(input.path.selector))/models/\(PathSegment.encode(id))/words",
                                         query: [("source", input.query.source), ("search", input.query.search)])
            return .ok(.init(body: .json(.init(value: items.map {
                .init(word: $0.word, translation: $0.translation, partOfSpeech: $0.partOfSpeech)
            }, nextLink: next))))
        }
    }

    /// What `tts-archive diff --json` prints: the document, a line per model and per word change, and a newline.
    static func printed(_ diff: ArchiveDiff) -> [UInt8] {
        var bytes = diff.jsonBytes()
        bytes.append(0x0A)
        return bytes
    }

    func getDiff(_ input: Operations.GetDiff.Input) async throws -> Operations.GetDiff.Output {
        await answering(Operations.GetDiff.Output.default) {
            let q = input.query
            if q.from == "live", q.to == "live" { throw APIError.badRequest("compare live with a snapshot, not with itself", target: "to") }
            let match: ContentDiff.MatchBy = q.matchBy == .name ? .name : .id
            // Each side's id, and for two snapshots their records (the cache's key), in one read.
            let (a, b, records) = try reading { store -> (Int64?, Int64?, (SnapshotRecord, SnapshotRecord)?) in
                let reader = SnapshotReader(store)
                func side(_ text: String, _ field: String) throws -> Int64? {
                    text == "live" ? nil : try snapshotID(text, source: q.source, field: field, reader: reader)
                }
                let a = try side(q.from, "from"), b = try side(q.to, "to")
                guard let a, let b else { return (a, b, nil) }
                guard let from = try reader.snapshot(a), let to = try reader.snapshot(b) else {
                    throw APIError.notFound("no snapshot \(q.from) or \(q.to)", target: "from")
                }
                return (a, b, (from, to))
            }
            let bytes: [UInt8]
            if let a, let b, let (from, to) = records {
                let readers = server.readers
                bytes = try await server.diffs.diff(.init(from: .init(from), to: .init(to), matchBy: match)) {
                    try readers.read { store in Self.printed(try SnapshotDiff(store).between(a, b, matchBy: match)) }
                }
            } else {
                let (source, credentials) = try directory.usableSource(q.source)
                let live: [CustomModel], url: String
                do {
                    (live, url) = try await jobs.withClient(credentials) { client in
                        (try await LiveState.fetch(from: ServiceModelSource(client: client)), client.serviceURL)
                    }
                    server.metrics.sourceAnswered(source.name, error: nil)
                } catch {
                    server.metrics.sourceAnswered(source.name, error: error)
                    throw error
                }
                bytes = try reading { store in
                    Self.printed(try SnapshotDiff(store).against((a ?? b)!, live: live, liveLabel: "live \(url)",
                                                                 snapshotFirst: a != nil, filter: ModelFilter(), matchBy: match))
                }
            }
            // The `diff --json` bytes as they are: the document's `Diff` (see EncodedAnswer).
            EncodedAnswer.send(bytes)
            return .ok(.init(body: .json(.init(additionalProperties: .init()))))
        }
    }

    // MARK: operations

    func startSnapshot(_ input: Operations.StartSnapshot.Input) async throws -> Operations.StartSnapshot.Output {
        await answering(Operations.StartSnapshot.Output.default) {
            let request: Components.Schemas.SnapshotRequest
            switch input.body {
            case .json(let r): request = r
            case nil: request = .init()
            }
            let (source, credentials) = try directory.usableSource(request.source)
            for tag in request.tags ?? [] {
                do { try SnapshotSelector.validateTag(tag) } catch { throw APIError.from(error, target: "tags") }
            }
            let options = SnapshotOptions(note: request.note, tags: request.tags ?? [],
                                          filter: Self.filter(models: request.models, languages: request.languages))
            let canonical = Self.canonical(request)
            let spec = OperationSpec(kind: "snapshot", source: source.name, request: canonical,
                                     requestHash: OperationCenter.hash(kind: "snapshot", canonical: canonical),
                                     job: jobs.snapshot(source: source, credentials: credentials, options: options))
            switch try await start(spec, clientID: input.headers.operationId) {
            case .accepted(let r): return .accepted(r)
            case .existing(let r): return .ok(r)
            }
        }
    }

    /// A restore's spec from its request (new, or resumed from an operation's row).
    func restoreSpec(_ request: Components.Schemas.RestoreRequest, snapshot: Int64?, resume: (from: String, run: Int64?)?) throws -> OperationSpec {
        let (target, credentials) = try directory.target(request.target)
        if let batch = request.batchSize, batch < 1 { throw APIError.badRequest("batch_size must be at least 1", target: "batch_size") }
        let filter = Self.filter(models: request.models, languages: request.languages)
        let options = RestoreOptions(filter: filter, existing: ExistingPolicy(rawValue: request.existing?.rawValue ?? "fail") ?? .fail,
                                     mode: RestoreMode(rawValue: request.mode?.rawValue ?? "batch") ?? .batch,
                                     batchSize: request.batchSize ?? RestoreOptions.defaultBatchSize)
        let id: Int64 = try snapshot ?? reading { store in
            let reader = SnapshotReader(store)
            let id = try snapshotID(request.snapshot ?? "latest", source: request.source, field: "snapshot", reader: reader)
            do { try reader.check(filter, in: id) } catch { throw APIError.from(error, target: request.models == nil ? "languages" : "models") }
            return id
        }
        if request.dryRun == true, resume != nil { throw APIError.badRequest("a resumed restore follows its journal: it has no dry run") }
        let canonical = Self.canonical(request)
        let job = OperationJobs.RestoreJob(snapshot: id, options: options, resume: resume?.run, verify: request.verify ?? true,
                                           dryRun: request.dryRun ?? false)
        return OperationSpec(kind: "restore", source: request.source, target: target, snapshot: id, request: canonical,
                             requestHash: resume.map { OperationCenter.hash(kind: "resume", canonical: $0.from) }
                                 ?? OperationCenter.hash(kind: "restore", canonical: canonical),
                             resumedFrom: resume?.from, restoreRun: resume?.run, targetURL: credentials.redactedServiceURL,
                             job: jobs.restore(target: credentials, job))
    }

    func startRestore(_ input: Operations.StartRestore.Input) async throws -> Operations.StartRestore.Output {
        await answering(Operations.StartRestore.Output.default) {
            guard case .json(let request) = input.body else { throw APIError.badRequest("the body is a JSON restore request") }
            switch try await start(try restoreSpec(request, snapshot: nil, resume: nil), clientID: input.headers.operationId) {
            case .accepted(let r): return .accepted(r)
            case .existing(let r): return .ok(r)
            }
        }
    }

    func startDrill(_ input: Operations.StartDrill.Input) async throws -> Operations.StartDrill.Output {
        await answering(Operations.StartDrill.Output.default) {
            let request: Components.Schemas.DrillRequest
            switch input.body {
            case .json(let r): request = r
            case nil: request = .init()
            }
            let filter = Self.filter(models: request.models, languages: request.languages)
            let id = try reading { store in
                let reader = SnapshotReader(store)
                let id = try snapshotID(request.snapshot ?? "latest", source: request.source, field: "snapshot", reader: reader)
                do { try reader.check(filter, in: id) } catch { throw APIError.from(error, target: request.models == nil ? "languages" : "models") }
                return id
            }
            let canonical = Self.canonical(request)
            let spec = OperationSpec(kind: "drill", source: request.source, snapshot: id, request: canonical,
                                     requestHash: OperationCenter.hash(kind: "drill", canonical: canonical),
                                     job: jobs.drill(snapshot: id, filter: filter))
            switch try await start(spec, clientID: input.headers.operationId) {
            case .accepted(let r): return .accepted(r)
            case .existing(let r): return .ok(r)
            }
        }
    }

    func startRollback(_ input: Operations.StartRollback.Input) async throws -> Operations.StartRollback.Output {
        await answering(Operations.StartRollback.Output.default) {
            guard case .json(let request) = input.body else { throw APIError.badRequest("the body is a JSON rollback request") }
            let (source, credentials) = try directory.usableSource(request.source)
            if let batch = request.batchSize, batch < 1 { throw APIError.badRequest("batch_size must be at least 1", target: "batch_size") }
            let id = try reading { store in
                try snapshotID(request.snapshot, source: source.name, field: "snapshot", reader: SnapshotReader(store))
            }
            let canonical = Self.canonical(request)
            let spec = OperationSpec(kind: "rollback", source: source.name, snapshot: id, request: canonical,
                                     requestHash: OperationCenter.hash(kind: "rollback", canonical: canonical),
                                     job: jobs.rollback(credentials: credentials, model: request.model, snapshot: id,
                                                        batchSize: request.batchSize ?? RestoreOptions.defaultBatchSize,
                                                        dryRun: request.dryRun ?? false))
            switch try await start(spec, clientID: input.headers.operationId) {
            case .accepted(let r): return .accepted(r)
            case .existing(let r): return .ok(r)
            }
        }
    }

    func listOperations(_ input: Operations.ListOperations.Input) async throws -> Operations.ListOperations.Output {
        await answering(Operations.ListOperations.Output.default) {
            let q = input.query
            let page = try Page(top: q.top, skip: q.skip)
            if q.source == "" { throw APIError.badRequest("source names a source; it must not be empty", target: "source") }
            let filter = OperationLog.Filter(kind: q.kind?.rawValue, status: q.status.flatMap { OperationRecord.Status(rawValue: $0.rawValue) },
                                             source: q.source)
            let rows = try await center.list(filter, limit: page.fetchLimit, offset: page.skip)
            let (items, next) = page.cut(rows, path: "/v1/operations",
                                         query: [("kind", q.kind?.rawValue), ("status", q.status?.rawValue), ("source", q.source)])
            return .ok(.init(body: .json(.init(value: items.map(monitor), nextLink: next))))
        }
    }

    func record(_ id: String) async throws -> OperationRecord {
        guard let o = try await center.get(id) else { throw APIError.notFound("no operation '\(id)'", target: "id") }
        return o
    }

    func getOperation(_ input: Operations.GetOperation.Input) async throws -> Operations.GetOperation.Output {
        await answering(Operations.GetOperation.Output.default) {
            let o = try await record(input.path.id)
            return .ok(.init(headers: .init(retryAfter: o.status.isTerminal ? nil : retryAfter), body: .json(monitor(o))))
        }
    }

    func getOperationResult(_ input: Operations.GetOperationResult.Input) async throws -> Operations.GetOperationResult.Output {
        await answering(Operations.GetOperationResult.Output.default) {
            let o = try await record(input.path.id)
            guard o.status.isTerminal else {
                return .accepted(.init(headers: .init(retryAfter: retryAfter, operationLocation: operationURL(o.id)), body: .json(monitor(o))))
            }
            var document = OpenAPIObjectContainer()
            if let text = o.result {
                document = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(text.utf8))
            }
            if o.status != .succeeded {
                // Failed or canceled: the error, with the job's result where it returned one.
                let error: [String: (any Sendable)?] = ["code": o.errorCode ?? "failed", "message": o.errorMessage ?? "", "target": o.errorTarget]
                var wrapped: [String: (any Sendable)?] = ["error": error]
                if o.result != nil { wrapped["result"] = document.value }
                document = try OpenAPIObjectContainer(unvalidatedValue: wrapped)
            }
            return .ok(.init(body: .json(.init(additionalProperties: document))))
        }
    }

    func cancelOperation(_ input: Operations.CancelOperation.Input) async throws -> Operations.CancelOperation.Output {
        await answering(Operations.CancelOperation.Output.default) {
            let o = try await center.cancel(input.path.id)
            return .ok(.init(body: .json(monitor(o))))
        }
    }

    func resumeOperation(_ input: Operations.ResumeOperation.Input) async throws -> Operations.ResumeOperation.Output {
        await answering(Operations.ResumeOperation.Output.default) {
            let o = try await record(input.path.id)
            if o.kind == "sync" {
                switch try await resumeSync(o, clientID: input.headers.operationId) {
                case .accepted(let r): return .accepted(r)
                case .existing(let r): return .ok(r)
                }
            }
            guard o.kind == "restore" else {
                throw APIError.badRequest("only restores resume (operation \(o.id) is a \(o.kind)); start a new \(o.kind) instead", target: "id")
            }
            guard o.status == .failed || o.status == .canceled else {
                throw APIError.conflict("operation \(o.id) is \(o.status.rawValue): nothing to resume", target: "id")
            }
            let request = try JSONDecoder().decode(Components.Schemas.RestoreRequest.self, from: Data(o.request.utf8))
            let spec = try restoreSpec(request, snapshot: o.snapshot, resume: (o.id, o.restoreRun))
            switch try await start(spec, clientID: input.headers.operationId) {
            case .accepted(let r): return .accepted(r)
            case .existing(let r): return .ok(r)
            }
        }
    }
}
