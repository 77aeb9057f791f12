import ArchiveCore
import Foundation

/// `GET /v1/words/history` and `GET /v1/models/{id}/history`: `tts-archive log --json` over HTTP. Both call the
/// core's ``WordHistory`` exactly as `log` does, and answer its documents (encoded once, by the core's Codable
/// conformances, then read into the generated types), so the CLI and the API cannot differ.
///
/// A word with no version is 200 with an empty `value`: the query is over a collection, and Azure's guidelines
/// keep 404 for a resource that does not exist (a filter that matches nothing is an empty page). A `model` or
/// `source` that matches nothing is 400 listing what exists, as `log` exits 2.
extension Handlers {
    /// What a history request asks for, checked (400 naming the parameter at fault).
    struct HistoryQuery: Sendable {
        var match: WordHistory.Match?
        var scope: WordHistory.Scope

        init(word: String?, like: String?, ignoreCase: Bool?, models: [String]?, sources: [String]?, since: String?, until: String?,
             directory: ServiceDirectory, needsWord: Bool) throws(APIError) {
            if word != nil, like != nil { throw .badRequest("give word or like, not both", target: "like") }
            if ignoreCase == true, word == nil { throw .badRequest("ignore_case applies to word", target: "ignore_case") }
            if let word, !word.isEmpty {
                match = ignoreCase == true ? .ignoringCase(word) : .exact(word)
            } else if let like, !like.isEmpty {
                match = .like(like)
            } else if needsWord {
                throw .badRequest("give word=WORD (or like=PATTERN)", target: "word")
            }
            scope = WordHistory.Scope(models: models ?? [], sources: (sources ?? []).map { Self.sourceURL($0, directory: directory) })
            do { scope.since = try WordHistory.bound(since, start: true) } catch { throw Self.badTime("since", since) }
            do { scope.until = try WordHistory.bound(until, start: false) } catch { throw Self.badTime("until", until) }
        }

        /// A configured source's name means its URL; anything else is a lineage's URL (or folder) as snapshots list it.
        static func sourceURL(_ text: String, directory: ServiceDirectory) -> String {
            directory.sources.first { $0.name == text }?.url ?? text
        }

        static func badTime(_ name: String, _ value: String?) -> APIError {
            .badRequest("\(name) takes an ISO 8601 time or date (e.g. 2026-11-20T03:00:00Z), not '\(value ?? "")'", target: name)
        }
    }

    /// The core's errors of a history query: what matches nothing is bad input (400), with what exists.
    static func historyError(_ error: any Error) -> APIError {
        switch error {
        case let e as HistoryError: .badRequest(e.description, target: "source")
        case let e as ModelFilterError: .badRequest(e.description, target: "model")
        default: APIError.from(error)
        }
    }

    /// Every version of the query's word (the core's answer, for the API and the page alike).
    func wordVersions(_ query: HistoryQuery) throws -> [WordHistory.Version] {
        guard let match = query.match else { return [] }
        do {
            return try reading { try WordHistory($0).versions(of: match, scope: query.scope) }
        } catch {
            throw Self.historyError(error)
        }
    }

    /// The histories of the models `scope.models` names.
    func modelHistories(_ query: HistoryQuery, words: Bool) throws -> [WordHistory.ModelHistory] {
        do {
            return try reading { try WordHistory($0).modelHistories(scope: query.scope, words: words) }
        } catch {
            throw Self.historyError(error)
        }
    }

    /// The core's document read into the generated type (one encoding: the core's).
    static func converted<T: Encodable, U: Decodable>(_ value: T, to: U.Type) throws -> U {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try JSONDecoder().decode(U.self, from: encoder.encode(value))
    }

    func getWordHistory(_ input: Operations.GetWordHistory.Input) async throws -> Operations.GetWordHistory.Output {
        await answering(Operations.GetWordHistory.Output.default) {
            let q = input.query
            let page = try Page(top: q.top, skip: q.skip)
            let query = try HistoryQuery(word: q.word, like: q.like, ignoreCase: q.ignoreCase, models: q.model, sources: q.source,
                                         since: q.since, until: q.until, directory: directory, needsWord: true)
            let (items, next) = page.cut(all: try wordVersions(query), path: "/v1/words/history", query: Self.historyLinkQuery(q))
            return .ok(.init(body: .json(.init(value: try Self.converted(items, to: [Components.Schemas.WordVersion].self),
                                               nextLink: next))))
        }
    }

    /// The query of a history page's `nextLink` (repeated parameters repeated).
    static func historyLinkQuery(_ q: Operations.GetWordHistory.Input.Query) -> [(String, String?)] {
        var items: [(String, String?)] = [("word", q.word), ("like", q.like), ("ignore_case", q.ignoreCase.map { String($0) })]
        items += (q.model ?? []).map { ("model", $0) }
        items += (q.source ?? []).map { ("source", $0) }
        items += [("since", q.since), ("until", q.until)]
        return items
    }

    func getModelHistory(_ input: Operations.GetModelHistory.Input) async throws -> Operations.GetModelHistory.Output {
        await answering(Operations.GetModelHistory.Output.default) {
            let q = input.query
            let query = try HistoryQuery(word: nil, like: nil, ignoreCase: nil, models: [input.path.id], sources: q.source,
                                         since: q.since, until: q.until, directory: directory, needsWord: false)
            let histories = try modelHistories(query, words: q.words ?? false)
            return .ok(.init(body: .json(.init(value: try Self.converted(histories, to: [Components.Schemas.ModelHistory].self)))))
        }
    }
}
