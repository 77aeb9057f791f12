import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TTSAPI
import TTSEmulator
@testable import ArchiveServer

/// The web page (issue 21): every value shown as text, and its access rules (login, session cookie, CSRF).
@Suite struct PageTests {
    static let hostile = "<script>alert(1)</script> & \"quotes\" 'too'"
    static let phoneme = "<phoneme alphabet=\"ipa\" ph=\"təˈmɑto\">tomato</phoneme>"

    /// A browser-like client: keeps no cookies, follows no redirects (the tests read them).
    struct Browser {
        let h: Harness
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(redirectConfiguration: .disallow))

        func call(_ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil, cookie: String? = nil,
                  headers: [(String, String)] = []) async throws -> Harness.Answer {
            var request = HTTPClientRequest(url: h.base + path)
            request.method = method
            if let cookie { request.headers.add(name: "Cookie", value: "\(PageSessions.cookieName)=\(cookie)") }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: FormFields.query(form.map { ($0.0, $0.1) })))
            }
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 16 << 20)
            return .init(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
        }

        func shutdown() async { try? await client.shutdown() }

        /// The session id of a Set-Cookie answer.
        static func session(_ answer: Harness.Answer) -> String? {
            guard let header = answer.header("Set-Cookie"), header.hasPrefix(PageSessions.cookieName + "=") else { return nil }
            return header.dropFirst(PageSessions.cookieName.count + 1).split(separator: ";").first.map(String.init)
        }

        /// The CSRF token of the page's forms.
        static func csrf(_ answer: Harness.Answer) -> String? {
            guard let range = answer.text.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(answer.text[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    static func with<T>(token: String? = nil, publicRead: Bool = false, _ body: (Harness, Browser) async throws -> T) async throws -> T {
        try await Harness.with(token: token, publicRead: publicRead) { h in
            let browser = Browser(h: h)
            do {
                let result = try await body(h, browser)
                await browser.shutdown()
                return result
            } catch {
                await browser.shutdown()
                throw error
            }
        }
    }

    /// One snapshot of a model holding hostile words; answers the model's id.
    static func seed(_ h: Harness, headers: [(String, String)] = []) async throws -> String {
        let model = try #require(try h.source.generate(GeneratorSpec(models: 1, words: 5, seed: 3)).first)
        try h.source.defaultInstance.setWord(id: model, word: "<b>bold</b>", Translation(translation: hostile))
        try h.source.defaultInstance.setWord(id: model, word: "tomato", Translation(translation: phoneme))
        let id = try #require(try await h.call(.POST, "/v1/snapshots", headers: headers).json["id"] as? String)
        #expect(try await h.finished(id).json["status"] as? String == "Succeeded")
        return model
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    @Test func everyValueIsEscaped() async throws {
        try await Self.with { h, browser in
            let model = try await Self.seed(h)
            try h.source.defaultInstance.setWord(id: model, word: "tomato", Translation(translation: "plain"))
            let id = try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String)
            _ = try await h.finished(id)
            let pages = [
                "/snapshots/1?model=\(model)", "/snapshots/1?model=\(model)&q=%3Cscript%3E",
                "/diff?from=1&to=2", "/words?word=tomato", "/words?word=%3Cb%3Ebold%3C%2Fb%3E",
            ]
            for path in pages {
                let page = try await browser.call(.GET, path)
                #expect(page.status == 200, "\(path)")
                #expect(page.header("Content-Type") == "text/html; charset=utf-8")
                #expect(!page.text.contains("<script>alert"), "\(path) holds the script as markup")
                #expect(!page.text.contains("<phoneme"), "\(path) holds SSML as markup")
                #expect(!page.text.contains("<b>bold"), "\(path) holds the word as markup")
            }
            #expect(try await browser.call(.GET, "/snapshots/1?model=\(model)").text.contains(Self.escaped(Self.hostile)))
            #expect(try await browser.call(.GET, "/diff?from=1&to=2").text.contains(Self.escaped(Self.phoneme)))
            #expect(try await browser.call(.GET, "/words?word=tomato").text.contains(Self.escaped(Self.phoneme)))
            // A hostile selector or search echoed back is text too.
            let missing = try await browser.call(.GET, "/snapshots/%3Cscript%3E")
            #expect(missing.status == 404 || missing.status == 400)
            #expect(!missing.text.contains("<script>"))
            let headers = try await browser.call(.GET, "/")
            #expect(headers.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
            #expect(headers.header("X-Content-Type-Options") == "nosniff")
        }
    }

    @Test func templatesPrintRawOnlyTheChart() throws {
        for (name, bytes) in PageRenderer.templates {
            let text = String(decoding: bytes, as: UTF8.self)
            let raw = text.components(separatedBy: "{{{").dropFirst().map { $0.prefix { $0 != "}" } }
            #expect(raw.allSatisfy { $0 == "chart" }, "\(name) prints \(raw) unescaped")
            #expect(!text.contains("{{&"), "\(name) prints a value unescaped")
        }
        let svg = PageChart.svg([.init(snapshot: 1, finished: "<x>", added: 3, removed: 1, changed: 2)], title: "<script>", id: "c")
        #expect(!svg.contains("<script>") && !svg.contains("<x>"))
        #expect(svg.contains("&lt;script&gt;"))
    }

    @Test func withATokenReadingNeedsTheLoginAndTheCookieIsNotTheToken() async throws {
        let token = "s3cret-token-of-this-server"
        try await Self.with(token: token) { h, browser in
            // No token: the login page, for every page.
            for path in ["/", "/snapshots/latest", "/diff", "/words?word=a", "/operations"] {
                let answer = try await browser.call(.GET, path)
                #expect(answer.status == 303, "\(path)")
                #expect(answer.header("Location")?.hasPrefix("/login?next=") == true)
            }
            let login = try await browser.call(.GET, "/login?next=%2Foperations")
            #expect(login.status == 200)
            #expect(login.text.contains("type=\"password\""))
            #expect(try await h.call(.GET, "/v1/snapshots").status == 401)

            let wrong = try await browser.call(.POST, "/login", form: [("token", "guess"), ("next", "/")])
            #expect(wrong.status == 401)
            #expect(wrong.header("Set-Cookie") == nil)
            #expect(!wrong.text.contains("guess"))
            // Only a path of this server is a place to come back to.
            let offsite = try await browser.call(.POST, "/login", form: [("token", token), ("next", "//evil.example/")])
            #expect(offsite.header("Location") == "/")
            let right = try await browser.call(.POST, "/login", form: [("token", token), ("next", "/operations")])
            #expect(right.status == 303)
            #expect(right.header("Location") == "/operations")
            let cookie = try #require(right.header("Set-Cookie"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=28800"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains(token))
            let session = try #require(Browser.session(right))
            let page = try await browser.call(.GET, "/operations", cookie: session)
            #expect(page.status == 200)
            #expect(!page.text.contains(token))
            #expect(page.text.contains("Log out"))

            // The session stands for the token on the API the page's script calls: reads, and writes with its CSRF token.
            #expect(try await browser.call(.GET, "/v1/operations", cookie: session).status == 200)
            #expect(try await browser.call(.POST, "/v1/snapshots", cookie: session).status == 401)
            let csrf = try #require(Browser.csrf(page))
            let started = try await browser.call(.POST, "/v1/snapshots", cookie: session, headers: [("X-CSRF-Token", csrf)])
            #expect(started.status == 202)
            if let id = started.json["id"] as? String { _ = try await h.finished(id) }
            #expect(try await browser.call(.GET, "/v1/snapshots", cookie: "forged").status == 401)

            // Log out: the session is gone, the cookie cleared.
            #expect(try await browser.call(.POST, "/logout", form: [("csrf", "nope")], cookie: session).status == 403)
            let out = try await browser.call(.POST, "/logout", form: [("csrf", csrf)], cookie: session)
            #expect(out.status == 303)
            #expect(out.header("Set-Cookie")?.contains("Max-Age=0") == true)
            #expect(try await browser.call(.GET, "/", cookie: session).status == 303)
        }
    }

    @Test func formsThatChangeSomethingNeedTheirCSRFToken() async throws {
        let token = "another-token"
        try await Self.with(token: token, publicRead: true) { h, browser in
            _ = try await Self.seed(h, headers: [("Authorization", "Bearer \(token)")])
            // Public reads: pages without a login, but no start form and no start without the token.
            let open = try await browser.call(.GET, "/operations")
            #expect(open.status == 200)
            #expect(!open.text.contains("id=\"start-form\""))
            #expect(try await browser.call(.GET, "/").status == 200)
            #expect(try await browser.call(.POST, "/operations", form: [("kind", "snapshot")]).status == 403)

            let login = try await browser.call(.POST, "/login", form: [("token", token), ("next", "/operations")])
            let session = try #require(Browser.session(login))
            let page = try await browser.call(.GET, "/operations", cookie: session)
            let csrf = try #require(Browser.csrf(page))
            #expect(page.text.contains("id=\"start-form\""))
            let before = try await h.call(.GET, "/v1/operations", headers: [("Authorization", "Bearer \(token)")])
            let count = (before.json["value"] as? [Any])?.count

            // No CSRF token, a wrong one, another session's: refused, nothing started.
            #expect(try await browser.call(.POST, "/operations", form: [("kind", "snapshot")], cookie: session).status == 403)
            #expect(try await browser.call(.POST, "/operations", form: [("kind", "snapshot"), ("csrf", "x")], cookie: session).status == 403)
            let other = try #require(Browser.session(try await browser.call(.POST, "/login", form: [("token", token)])))
            #expect(try await browser.call(.POST, "/operations", form: [("kind", "snapshot"), ("csrf", csrf)], cookie: other).status == 403)
            let after = try await h.call(.GET, "/v1/operations", headers: [("Authorization", "Bearer \(token)")])
            #expect((after.json["value"] as? [Any])?.count == count)

            let started = try await browser.call(.POST, "/operations", form: [("kind", "snapshot"), ("source", "default"), ("csrf", csrf)],
                                                 cookie: session)
            #expect(started.status == 303)
            let location = try #require(started.header("Location"))
            #expect(location.hasPrefix("/operations?started="))
            let id = String(location.dropFirst("/operations?started=".count))
            #expect(try await h.finished(id).json["status"] as? String == "Succeeded")
            let report = try await browser.call(.GET, "/operations", cookie: session)
            #expect(report.text.contains(id) && report.text.contains("Succeeded"))
        }
    }

    @Test func onLoopbackWithoutATokenEveryViewerMayStartWithTheFormsToken() async throws {
        try await Self.with { h, browser in
            let page = try await browser.call(.GET, "/operations")
            #expect(page.status == 200)
            let session = try #require(Browser.session(page))
            let csrf = try #require(Browser.csrf(page))
            #expect(!page.text.contains("Log in"))
            #expect(try await browser.call(.POST, "/operations", form: [("kind", "drill"), ("csrf", csrf)]).status == 403)
            _ = try await Self.seed(h)
            let started = try await browser.call(.POST, "/operations", form: [("kind", "drill"), ("csrf", csrf)], cookie: session)
            #expect(started.status == 303)
            let login = try await browser.call(.GET, "/login")
            #expect(login.text.contains("nothing to log in to"))
        }
    }

    @Test func sessionsExpire() {
        let clock = SettableNow()
        let sessions = PageSessions(now: { clock.now })
        let s = sessions.create(authenticated: true)
        #expect(s.id.count == 64 && s.csrf.count == 64 && s.id != s.csrf)
        #expect(sessions.session(id: s.id) == s)
        clock.now = clock.now.addingTimeInterval(PageSessions.lifetime + 1)
        #expect(sessions.session(id: s.id) == nil)
    }

    final class SettableNow: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_800_000_000)
    }

    /// `/schedules` shows what `GET /v1/schedules` answers, with a banner for a source whose last success is
    /// older than 1.5 x its interval (none yet counts), and no banner once the schedule is paused.
    @Test func schedulesPageShowsTheOverdueBanner() async throws {
        let clock = ManualClock(utc("2026-12-04T10:07:00Z"))
        try await Harness.with(config: ScheduleTests.config("0 2 * * 1-5", extra: "    drill: true\n    keep: {daily: 7}"),
                               clock: clock) { h in
            let browser = Browser(h: h)
            do {
                try await Self.checkSchedulesPage(h, browser)
                await browser.shutdown()
            } catch {
                await browser.shutdown()
                throw error
            }
        }
    }

    static func checkSchedulesPage(_ h: Harness, _ browser: Browser) async throws {
        await h.server.scheduler.until { $0.deadlines["prod"]?.count == 1 }
        var page = try await browser.call(.GET, "/schedules")
        #expect(page.status == 200)
        #expect(page.text.contains(#"<a href="/schedules" aria-current="page">Schedules</a>"#))
        #expect(page.text.contains(#"id="overdue-prod""#))
        #expect(page.text.contains("<code>0 2 * * 1-5</code> UTC"))
        #expect(page.text.contains("2026-12-07 02:00:00"))  // Friday's firing is over: next is Monday's
        #expect(page.text.contains("keep daily 7; a drill"))
        #expect(try await h.call(.POST, "/v1/schedules/prod:pause").status == 200)
        page = try await browser.call(.GET, "/schedules")
        #expect(!page.text.contains(#"id="overdue-prod""#))
        #expect(page.text.contains("paused since"))
    }

    @Test func durationsReadAsDaysHoursMinutes() {
        #expect(PageRoutes.duration(900) == "15 min")
        #expect(PageRoutes.duration(3 * 86_400) == "3 d")
        #expect(PageRoutes.duration(90_061) == "1 d 1 h")
        #expect(PageRoutes.duration(0) == "0 s")
    }
}
