import ArchiveCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TTSAPI

/// The web page `serve` answers at `/` (issue 21): server-rendered HTML beside the generated API, reading through
/// the same handlers (so the page shows what the API answers), with plain CSS and a small script for polling,
/// all from the binary. Paths: `/` (timeline), `/snapshots/{selector}`, `/diff`, `/words`, `/operations`, `/schedules`,
/// `/login`, `/logout`, `/static/*`.
struct PageRoutes: Sendable {
    let handlers: Handlers
    let access: PageAccess
    let renderer: PageRenderer

    init(handlers: Handlers, access: PageAccess) throws {
        self.handlers = handlers
        self.access = access
        renderer = try PageRenderer()
    }

    var sessions: PageSessions { access.sessions }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in await page(request, "/") { try await timeline(request, $0) } }
        router.get("/snapshots/:selector") { request, context in
            let selector = context.parameters.get("selector").map { $0.removingPercentEncoding ?? $0 } ?? ""
            return await page(request, "/") { try await snapshot(request, selector: selector, $0) }
        }
        router.get("/diff") { request, _ in await page(request, "/diff") { try await diff(request, $0) } }
        router.get("/words") { request, _ in await page(request, "/words") { try await words(request, $0) } }
        router.get("/operations") { request, _ in await page(request, "/operations") { try await operations(request, $0, flash: nil) } }
        router.post("/operations") { request, _ in await startOperation(request) }
        router.get("/schedules") { request, _ in await page(request, "/schedules") { try await schedules(request, $0) } }
        router.get("/login") { request, _ in login(request, problem: nil, status: .ok) }
        router.post("/login") { request, _ in await logIn(request) }
        router.post("/logout") { request, _ in await logOut(request) }
        router.get("/static/page.css") { _, _ in Self.asset(PackageResources.page_css, type: "text/css; charset=utf-8") }
        router.get("/static/page.js") { _, _ in Self.asset(PackageResources.page_js, type: "text/javascript; charset=utf-8") }
    }

    // MARK: answers

    /// What the page could not do: shown in the layout, with its status.
    struct Problem: Error {
        var status: Int
        var message: String
    }

    /// What a page handler hands back: its template, view and title.
    struct Rendered {
        var template: String
        var title: String
        var body: Any
        var refresh = false
        var flash: String?
        var problem: String?
        var status = 200
    }

    /// Headers of every HTML answer: no caching, no framing, scripts and styles from this server only (a value
    /// that slipped through as markup still could not run a script).
    static func htmlHeaders() -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        h[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        h[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return h
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var h = HTTPFields()
        h[.contentType] = type
        h[.cacheControl] = "max-age=300"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var h = HTTPFields()
        h[.location] = location
        h[.cacheControl] = "no-store"
        if let cookie { h[.setCookie] = cookie }
        return Response(status: .seeOther, headers: h)
    }

    /// The viewer's session, and the cookie to set when one was made for this answer.
    func viewer(_ request: Request, needsForms: Bool) -> (PageSessions.Session?, String?) {
        if let s = sessions.session(of: request) { return (s, nil) }
        // Forms that change something need a CSRF token, so a session: made on sight when no token is configured
        // (loopback), where every viewer may start operations.
        if needsForms, access.token == nil {
            let s = sessions.create(authenticated: false)
            return (s, sessions.setCookie(s))
        }
        return (nil, nil)
    }

    func auth(_ session: PageSessions.Session?, path: String) -> PageRenderer.Auth {
        PageRenderer.Auth(loggedIn: session?.authenticated == true, canLogIn: access.token != nil && session?.authenticated != true,
                          canWrite: access.mayWrite(session), csrf: session?.csrf ?? "", next: FormFields.query([("", path)]).dropFirst().description)
    }

    /// A read page: the login page first when reading needs the token, else the page (or its problem) in the layout.
    func page(_ request: Request, _ current: String, _ build: (PageSessions.Session?) async throws -> Rendered) async -> Response {
        let (session, cookie) = viewer(request, needsForms: current == "/operations")
        guard access.mayRead(session) else {
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return Self.redirect("/login?" + FormFields.query([("next", target)]))
        }
        var rendered: Rendered
        do {
            rendered = try await build(session)
        } catch let p as Problem {
            rendered = Rendered(template: "problem", title: "Not shown", body: Empty(), problem: p.message, status: p.status)
        } catch {
            let e = APIError.from(error)
            rendered = Rendered(template: "problem", title: "Not shown", body: Empty(), problem: e.message, status: e.status)
        }
        return respond(rendered, request: request, current: current, session: session, cookie: cookie)
    }

    struct Empty {}

    func respond(_ r: Rendered, request: Request, current: String, session: PageSessions.Session?, cookie: String?) -> Response {
        let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let layout = PageRenderer.Layout(title: r.title, nav: PageRenderer.nav(current: current), auth: auth(session, path: path),
                                         version: handlers.server.options.version, flash: r.flash, problem: r.problem,
                                         refresh: r.refresh, body: r.body)
        var headers = Self.htmlHeaders()
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .init(code: r.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: renderer.render(r.template, layout))))
    }

    static func query(_ request: Request) -> [(String, String)] { FormFields.parse(request.uri.query) }

    static func formBody(_ request: Request) async -> [(String, String)] {
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 << 10) else { return [] }
        return FormFields.parse(String(buffer: body))
    }

    /// The error of a handler's `default` answer.
    static func problem(_ status: Int, _ error: Components.Responses._Error) -> Problem {
        Problem(status: status, message: (try? error.body.json.error.message) ?? "the request failed (\(status))")
    }

    // MARK: Timeline

    struct TimelineView {
        struct Row {
            var id: Int64
            var finished: String
            var tags: [String]
            var note: String
            var models: Int
            var words: Int
            var added: Int
            var removed: Int
            var changed: Int
            var previous: Int64?
        }
        struct Source {
            var index: Int
            var name: String
            var url: String
            var chart: String
            var snapshots: [Row]
        }
        var sources: [Source]
        var older: String?
        var newer: String?
    }

    static let timelinePage = 60

    func timeline(_ request: Request, _ session: PageSessions.Session?) async throws -> Rendered {
        let skip = Self.query(request).first { $0.0 == "skip" }.flatMap { Int($0.1) }.map { max(0, $0) } ?? 0
        let list: Components.Schemas.SnapshotList
        switch try await handlers.listSnapshots(.init(query: .init(top: Self.timelinePage, skip: skip))) {
        case .ok(let ok): list = try ok.body.json
        case .default(let status, let e): throw Self.problem(status, e)
        default: throw Problem(status: 500, message: "unexpected answer")
        }
        var order: [String] = []
        var bySource: [String: [Components.Schemas.Snapshot]] = [:]
        for s in list.value {
            let key = s.sourceUrl ?? s.source
            if bySource[key] == nil { order.append(key) }
            bySource[key, default: []].append(s)
        }
        let sources = order.enumerated().map { index, key -> TimelineView.Source in
            let snapshots = bySource[key] ?? []
            let rows = snapshots.enumerated().map { i, s in
                TimelineView.Row(id: s.id, finished: Self.time(s.finishedAt ?? s.startedAt), tags: s.tags, note: s.note ?? "",
                                 models: s.models, words: s.words, added: s.changes?.wordsAdded ?? 0,
                                 removed: s.changes?.wordsRemoved ?? 0, changed: s.changes?.wordsChanged ?? 0,
                                 previous: i + 1 < snapshots.count ? snapshots[i + 1].id : nil)
            }
            let nights = rows.reversed().map { PageChart.Night(snapshot: $0.id, finished: $0.finished, added: $0.added,
                                                               removed: $0.removed, changed: $0.changed) }
            let name = snapshots.first?.source ?? key
            return TimelineView.Source(index: index, name: name, url: key,
                                       chart: PageChart.svg(nights, title: "Words added, changed and removed per snapshot of \(name)",
                                                            id: "chart\(index)"),
                                       snapshots: rows)
        }
        let view = TimelineView(sources: sources, older: list.nextLink == nil ? nil : "/?skip=\(skip + Self.timelinePage)",
                                newer: skip > 0 ? "/?skip=\(max(0, skip - Self.timelinePage))" : nil)
        return Rendered(template: "timeline", title: "Timeline", body: view)
    }

    /// `2026-11-20T03:00:00.123Z` → `2026-11-20 03:00:00`.
    static func time(_ stamp: String) -> String {
        String(stamp.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    // MARK: Snapshot

    struct SnapshotView {
        struct Facts {
            var id: Int64
            var source: String
            var finished: String
            var tags: [String]
            var note: String
            var models: Int
            var words: Int
        }
        struct ModelRow {
            var id: String
            var name: String
            var language: String
            var words: Int
            var href: String
            var current: Bool
        }
        struct WordRow {
            var word: String
            var translation: String
            var partOfSpeech: String
        }
        struct ModelWords {
            var id: String
            var name: String
            var snapshotID: Int64
            var query: String
            var words: [WordRow]
            var shown: String
            var previousPage: String?
            var nextPage: String?
        }
        var snapshot: Facts
        var models: [ModelRow]
        var model: ModelWords?
    }

    static let wordsPage = 100

    func snapshot(_ request: Request, selector: String, _ session: PageSessions.Session?) async throws -> Rendered {
        let q = Self.query(request)
        let source = FormFields.value(q, "source")
        let s: Components.Schemas.Snapshot
        switch try await handlers.getSnapshot(.init(path: .init(selector: selector), query: .init(source: source))) {
        case .ok(let ok): s = try ok.body.json
        case .default(let status, let e): throw Self.problem(status, e)
        default: throw Problem(status: 500, message: "unexpected answer")
        }
        let id = s.id
        var models: [Components.Schemas.Model] = []
        switch try await handlers.listSnapshotModels(.init(path: .init(selector: String(id)), query: .init(top: Page.maxTop))) {
        case .ok(let ok): models = try ok.body.json.value
        case .default(let status, let e): throw Self.problem(status, e)
        default: throw Problem(status: 500, message: "unexpected answer")
        }
        let chosen = FormFields.value(q, "model")
        var view = SnapshotView(
            snapshot: .init(id: id, source: s.source, finished: Self.time(s.finishedAt ?? s.startedAt), tags: s.tags, note: s.note ?? "",
                            models: s.models, words: s.words),
            models: models.map { m in
                .init(id: m.customizationId, name: m.name ?? "", language: m.language ?? "", words: m.words ?? 0,
                      href: "/snapshots/\(id)?" + FormFields.query([("model", m.customizationId)]), current: m.customizationId == chosen)
            })
        if let chosen {
            let search = FormFields.value(q, "q")
            let skip = q.first { $0.0 == "skip" }.flatMap { Int($0.1) }.map { max(0, $0) } ?? 0
            let page: Components.Schemas.WordList
            switch try await handlers.listSnapshotWords(.init(path: .init(selector: String(id), customizationId: chosen),
                                                              query: .init(search: search, top: Self.wordsPage, skip: skip))) {
            case .ok(let ok): page = try ok.body.json
            case .default(let status, let e): throw Self.problem(status, e)
            default: throw Problem(status: 500, message: "unexpected answer")
            }
            func link(_ skip: Int) -> String {
                "/snapshots/\(id)?" + FormFields.query([("model", chosen), ("q", search), ("skip", skip == 0 ? nil : String(skip))])
            }
            let name = models.first { $0.customizationId == chosen }?.name ?? chosen
            let shown = page.value.isEmpty ? (search == nil ? "No words." : "No word or translation contains that text.")
                : "Words \(skip + 1) to \(skip + page.value.count)" + (search.map { " containing “\($0)”" } ?? "") + "."
            view.model = .init(id: chosen, name: name, snapshotID: id, query: search ?? "",
                               words: page.value.map { .init(word: $0.word, translation: $0.translation, partOfSpeech: $0.partOfSpeech ?? "") },
                               shown: shown, previousPage: skip > 0 ? link(max(0, skip - Self.wordsPage)) : nil,
                               nextPage: page.nextLink == nil ? nil : link(skip + Self.wordsPage))
        }
        return Rendered(template: "snapshot", title: "Snapshot \(id)", body: view)
    }

    // MARK: Diff

    /// The CLI's `diff --json` document, as the page reads it.
    struct DiffDocument: Decodable {
        struct Translation: Decodable {
            var translation: String
            var part_of_speech: String?
        }
        struct Word: Decodable {
            var change: String
            var word: String
            var old: Translation?
            var new: Translation?
        }
        struct Field: Decodable {
            var field: String
            var old: String?
            var new: String?
        }
        struct Model: Decodable {
            var change: String
            var from_customization_id: String?
            var to_customization_id: String?
            var name: String?
            var language: String?
            var metadata: [Field]?
            var words: [Word]?
        }
        struct Summary: Decodable {
            var models_added: Int, models_removed: Int, models_changed: Int
            var words_added: Int, words_removed: Int, words_changed: Int
        }
        var from: String
        var to: String
        var models: [Model]
        var summary: Summary
    }

    struct DiffView {
        struct Choice {
            var value: String
            var label: String
        }
        struct WordRow {
            var change: String
            var word: String
            var old: String
            var new: String
        }
        struct FieldRow {
            var field: String
            var old: String
            var new: String
        }
        struct ModelSection {
            var index: Int
            var change: String
            var name: String
            var ids: String
            var language: String
            var metadata: [FieldRow]
            var words: [WordRow]
            var truncated: Bool
            var hasWords: Bool
            var shown: Int
            var total: Int
        }
        struct Result {
            var fromLabel: String
            var toLabel: String
            var summary: DiffDocument.Summary
            var jsonURL: String
            var models: [ModelSection]
        }
        var from: String
        var to: String
        var choices: [Choice]
        var result: Result?
    }

    /// Word changes shown per model; the JSON has them all.
    static let diffWordsShown = 1000

    func diff(_ request: Request, _ session: PageSessions.Session?) async throws -> Rendered {
        let q = Self.query(request)
        let from = FormFields.value(q, "from"), to = FormFields.value(q, "to"), source = FormFields.value(q, "source")
        var choices = [DiffView.Choice(value: "live", label: "the service now"), .init(value: "latest", label: "the latest snapshot")]
        if case .ok(let ok) = try await handlers.listSnapshots(.init(query: .init(top: 50))), let list = try? ok.body.json {
            for s in list.value {
                choices.append(.init(value: String(s.id), label: "\(Self.time(s.finishedAt ?? s.startedAt)) \(s.source)"))
                for t in s.tags { choices.append(.init(value: t, label: "tag of snapshot \(s.id)")) }
            }
        }
        var view = DiffView(from: from ?? "", to: to ?? "", choices: choices)
        guard let from, let to else {
            if FormFields.value(q, "from") != nil || FormFields.value(q, "to") != nil {
                throw Problem(status: 400, message: "give both sides: from and to")
            }
            return Rendered(template: "diff", title: "Diff", body: view)
        }
        // The API's answer is the `diff --json` bytes, sent as they are (EncodedAnswer).
        let document: [UInt8]
        switch try await EncodedAnswer.capturing({ try await handlers.getDiff(.init(query: .init(from: from, to: to, source: source))) }) {
        case (.ok, let bytes?): document = bytes
        case (.default(let status, let e), _):
            return Rendered(template: "diff", title: "Diff", body: view, problem: Self.problem(status, e).message, status: status)
        default: throw Problem(status: 500, message: "unexpected answer")
        }
        let diff = try JSONDecoder().decode(DiffDocument.self, from: Data(document))
        let sections = diff.models.enumerated().map { i, m -> DiffView.ModelSection in
            let words = m.words ?? []
            let ids = [m.from_customization_id, m.to_customization_id].compactMap { $0 }
            return .init(index: i, change: m.change, name: m.name ?? "(no name)",
                         ids: Array(Set(ids)).sorted().joined(separator: " → "), language: m.language ?? "",
                         metadata: (m.metadata ?? []).map { .init(field: $0.field, old: $0.old ?? "(none)", new: $0.new ?? "(none)") },
                         words: words.prefix(Self.diffWordsShown).map {
                             .init(change: $0.change, word: $0.word, old: Self.translation($0.old), new: Self.translation($0.new))
                         },
                         truncated: words.count > Self.diffWordsShown, hasWords: !words.isEmpty, shown: min(words.count, Self.diffWordsShown), total: words.count)
        }
        view.result = .init(fromLabel: diff.from, toLabel: diff.to, summary: diff.summary,
                            jsonURL: "/v1/diff?" + FormFields.query([("from", from), ("to", to), ("source", source)]), models: sections)
        return Rendered(template: "diff", title: "Diff \(from) → \(to)", body: view)
    }

    static func translation(_ t: DiffDocument.Translation?) -> String {
        guard let t else { return "" }
        return t.translation + (t.part_of_speech.map { " [\($0)]" } ?? "")
    }

    // MARK: Word history

    struct WordsView {
        struct VersionRow {
            var from: Int64
            var firstSeen: String
            var until: String?
            var ended: String
            var how: String
            var translation: String
            var partOfSpeech: String
            var modelName: String
        }
        struct Group {
            var word: String
            var customizationID: String
            var language: String
            var source: String
            var modelName: String
            var historyURL: String
            var versions: [VersionRow]
        }
        var word: String
        var model: String
        var ignoreCase: Bool
        var searched: Bool
        var groups: [Group]
        var jsonURL: String
    }

    func words(_ request: Request, _ session: PageSessions.Session?) async throws -> Rendered {
        let q = Self.query(request)
        let word = FormFields.value(q, "word"), model = FormFields.value(q, "model")
        let ignoreCase = FormFields.value(q, "ignore_case") == "true"
        var view = WordsView(word: word ?? "", model: model ?? "", ignoreCase: ignoreCase, searched: word != nil, groups: [], jsonURL: "")
        guard let word else { return Rendered(template: "words", title: "Word history", body: view) }
        let versions: [WordHistory.Version]
        do {
            let query = try Handlers.HistoryQuery(word: word, like: nil, ignoreCase: ignoreCase, models: model.map { [$0] }, sources: nil,
                                                  since: nil, until: nil, directory: handlers.directory, needsWord: true)
            versions = try handlers.wordVersions(query)
        } catch let e as APIError {
            return Rendered(template: "words", title: "Word history", body: view, problem: e.message, status: e.status)
        }
        var groups: [WordsView.Group] = []
        for v in versions {
            let row = WordsView.VersionRow(from: v.firstSnapshot, firstSeen: Self.time(v.firstSeenAt),
                                           until: v.endSnapshot.map(String.init), ended: v.endedAt.map(Self.time) ?? "",
                                           how: v.end.map(Self.how) ?? (v.endSnapshot == nil ? "current" : ""),
                                           translation: v.translation, partOfSpeech: v.partOfSpeech ?? "", modelName: v.modelName ?? "")
            if let last = groups.last, last.customizationID == v.customizationID, last.source == v.source, last.word == v.word {
                groups[groups.count - 1].versions.append(row)
            } else {
                groups.append(.init(word: v.word, customizationID: v.customizationID, language: v.language ?? "", source: v.source,
                                    modelName: v.modelName ?? v.customizationID,
                                    historyURL: "/v1/models/\(PathSegment.encode(v.customizationID))/history", versions: [row]))
            }
        }
        view.groups = groups
        view.jsonURL = "/v1/words/history?" + FormFields.query([("word", word), ("ignore_case", ignoreCase ? "true" : nil), ("model", model)])
        return Rendered(template: "words", title: "Word history of “\(word)”", body: view)
    }

    static func how(_ end: WordHistory.Version.End) -> String {
        switch end {
        case .changed: "changed"
        case .removed: "removed"
        case .modelRemoved: "model removed"
        }
    }

    // MARK: Schedules

    struct SchedulesView {
        struct Row {
            struct Run {
                var id: String
                var status: String
                var at: String
            }
            var source: String
            var cron: String
            var timezone: String
            var paused: String?
            var overdue: Bool
            var lastRun: Run?
            var lastSuccess: String?
            var nextRun: String
            var interval: String
            var after: String
        }
        var schedules: [Row]
        var hasSchedules: Bool
        /// The schedules whose last success is older than 1.5 x their interval (a banner each).
        var overdue: [Row]
    }

    /// `/schedules`: what `GET /v1/schedules` answers, with a banner for each overdue source.
    func schedules(_ request: Request, _ session: PageSessions.Session?) async throws -> Rendered {
        let list: Components.Schemas.ScheduleList
        switch try await handlers.listSchedules(.init()) {
        case .ok(let ok): list = try ok.body.json
        default: throw Problem(status: 500, message: "unexpected answer")
        }
        let rows = list.value.map { s -> SchedulesView.Row in
            var after: [String] = []
            if let keep = s.keep {
                let rules = [("last", keep.last), ("hourly", keep.hourly), ("daily", keep.daily), ("weekly", keep.weekly),
                             ("monthly", keep.monthly), ("yearly", keep.yearly)].compactMap { name, n in n.map { "\(name) \($0)" } }
                    + (keep.withinSeconds.map { ["within \(Self.duration(Double($0)))"] } ?? []) + (keep.tags ?? []).map { "tag \($0)" }
                if !rules.isEmpty { after.append("keep " + rules.joined(separator: ", ")) }
            }
            if s.drill { after.append("a drill") }
            return .init(source: s.source, cron: s.cron, timezone: s.timezone, paused: s.pausedDateTime.map(Self.time),
                         overdue: s.overdue && !s.paused,
                         lastRun: s.lastRun.map { .init(id: $0.operationId, status: $0.status.rawValue, at: Self.time($0.dateTime)) },
                         lastSuccess: s.lastSuccessDateTime.map(Self.time), nextRun: s.nextRunDateTime.map(Self.time) ?? "",
                         interval: s.expectedIntervalSeconds.map { Self.duration(Double($0)) } ?? "",
                         after: after.isEmpty ? "nothing" : after.joined(separator: "; "))
        }
        let view = SchedulesView(schedules: rows, hasSchedules: !rows.isEmpty, overdue: rows.filter(\.overdue))
        return Rendered(template: "schedules", title: "Schedules", body: view)
    }

    /// `90000` seconds → `1 d 1 h`; `900` → `15 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let parts = [(s / 86_400, "d"), (s % 86_400 / 3600, "h"), (s % 3600 / 60, "min"), (s % 60, "s")].filter { $0.0 > 0 }
        return parts.isEmpty ? "0 s" : parts.prefix(2).map { "\($0.0) \($0.1)" }.joined(separator: " ")
    }

    // MARK: Operations

    struct OperationsView {
        struct ErrorText {
            var code: String
            var message: String
        }
        struct Row {
            var id: String
            var kind: String
            var status: String
            var running: Bool
            var percent: Int
            var phase: String
            var source: String
            var target: String?
            var created: String
            var lastAction: String
            var error: ErrorText?
            var warnings: Int?
            var report: String?
            var snapshotPage: String?
        }
        var sourceNames: [String]
        var operations: [Row]
        var hasOperations: Bool
    }

    func operations(_ request: Request, _ session: PageSessions.Session?, flash: String?, problem: String? = nil,
                    status: Int = 200) async throws -> Rendered {
        let list: Components.Schemas.OperationList
        switch try await handlers.listOperations(.init(query: .init(top: 30))) {
        case .ok(let ok): list = try ok.body.json
        case .default(let status, let e): throw Self.problem(status, e)
        default: throw Problem(status: 500, message: "unexpected answer")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let rows = list.value.map { o -> OperationsView.Row in
            let running = o.status == .running || o.status == .notStarted
            let snapshotPage = o.resourceLocation.flatMap { $0.split(separator: "/").last }.map { "/snapshots/\($0)" }
            return .init(id: o.id, kind: o.kind.rawValue, status: o.status.rawValue, running: running, percent: o.percentComplete,
                         phase: o.progress.phase ?? "", source: o.source ?? "", target: o.target, created: Self.time(o.createdDateTime),
                         lastAction: Self.time(o.lastActionDateTime), error: o.error.map { .init(code: $0.code, message: $0.message) },
                         warnings: o.warnings > 0 ? o.warnings : nil,
                         report: o.result.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) },
                         snapshotPage: snapshotPage)
        }
        let view = OperationsView(sourceNames: handlers.directory.sources.map(\.name), operations: rows, hasOperations: !rows.isEmpty)
        return Rendered(template: "operations", title: "Operations", body: view, refresh: rows.contains(where: \.running),
                        flash: flash, problem: problem, status: status)
    }

    /// A form's POST: a token holder's session (or no token configured) and the session's CSRF token, else 403.
    func startOperation(_ request: Request) async -> Response {
        let session = sessions.session(of: request)
        let fields = await Self.formBody(request)
        guard access.mayWrite(session), let session, PageSessions.csrfMatches(FormFields.value(fields, "csrf"), session) else {
            return forbidden(request, session: session)
        }
        let source = FormFields.value(fields, "source")
        var problem: (Int, String)?
        var started: String?
        do {
            switch FormFields.value(fields, "kind") {
            case "snapshot":
                switch try await handlers.startSnapshot(.init(body: .json(.init(source: source)))) {
                case .accepted(let r): started = try r.body.json.id
                case .ok(let r): started = try r.body.json.id
                case .default(let status, let e): problem = (status, Self.problem(status, e).message)
                default: problem = (500, "unexpected answer")
                }
            case "drill":
                switch try await handlers.startDrill(.init(body: .json(.init(source: source)))) {
                case .accepted(let r): started = try r.body.json.id
                case .ok(let r): started = try r.body.json.id
                case .default(let status, let e): problem = (status, Self.problem(status, e).message)
                default: problem = (500, "unexpected answer")
                }
            default:
                problem = (400, "choose a snapshot or a drill")
            }
        } catch {
            problem = (500, APIError.from(error).message)
        }
        if let started { return Self.redirect("/operations?" + FormFields.query([("started", started)])) }
        let (status, message) = problem ?? (500, "the operation did not start")
        let rendered: Rendered
        do {
            rendered = try await operations(request, session, flash: nil, problem: message, status: status)
        } catch {
            rendered = Rendered(template: "problem", title: "Not shown", body: Empty(), problem: message, status: status)
        }
        return respond(rendered, request: request, current: "/operations", session: session, cookie: nil)
    }

    func forbidden(_ request: Request, session: PageSessions.Session?) -> Response {
        let message = access.mayWrite(session)
            ? "the form is stale or did not come from this page (no valid CSRF token): reload the page and try again"
            : "starting an operation needs the API token: log in first"
        return respond(Rendered(template: "problem", title: "Not allowed", body: Empty(), problem: message, status: 403),
                       request: request, current: "", session: session, cookie: nil)
    }

    // MARK: Login

    struct LoginView {
        var next: String
        var needed: Bool
    }

    /// Only a path of this server (`/...`, not `//host`) is a place to come back to.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\") else { return "/" }
        return next
    }

    func login(_ request: Request, problem: String?, status: HTTPResponse.Status) -> Response {
        let next = Self.safeNext(FormFields.value(Self.query(request), "next"))
        let session = sessions.session(of: request)
        return respond(Rendered(template: "login", title: "Log in", body: LoginView(next: next, needed: access.token != nil),
                                problem: problem, status: Int(status.code)),
                       request: request, current: "", session: session, cookie: nil)
    }

    /// The token from the form, compared in constant time; a new session (a new id: never one given before the
    /// login), and back to where the viewer was going.
    func logIn(_ request: Request) async -> Response {
        let fields = await Self.formBody(request)
        let next = Self.safeNext(FormFields.value(fields, "next"))
        guard let token = access.token else { return Self.redirect(next) }
        guard let given = FormFields.value(fields, "token"), BearerToken.matches(Array(given.utf8), token) else {
            let session = sessions.session(of: request)
            return respond(Rendered(template: "login", title: "Log in", body: LoginView(next: next, needed: true),
                                    problem: "that is not this server's API token", status: 401),
                           request: request, current: "", session: session, cookie: nil)
        }
        if let old = PageSessions.cookie(in: request) { sessions.remove(id: old) }
        let session = sessions.create(authenticated: true)
        return Self.redirect(next, cookie: sessions.setCookie(session))
    }

    func logOut(_ request: Request) async -> Response {
        let fields = await Self.formBody(request)
        guard let session = sessions.session(of: request), PageSessions.csrfMatches(FormFields.value(fields, "csrf"), session) else {
            return forbidden(request, session: sessions.session(of: request))
        }
        sessions.remove(id: session.id)
        return Self.redirect("/", cookie: sessions.setCookie(nil))
    }
}
