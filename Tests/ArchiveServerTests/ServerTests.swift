import ArchiveCore
import Foundation
import TestSupport
import Testing
import TTSEmulator
@testable import ArchiveServer

/// The server over real HTTP on 127.0.0.1: status codes, headers, error bodies, paging, reads.
@Suite struct ServerTests {
    @Test func healthDocumentAndErrorShape() async throws {
        try await Harness.with { h in
            let health = try await h.call(.GET, "/healthz")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            #expect(try await h.call(.GET, "/readyz").status == 200)

            let document = try await h.call(.GET, "/openapi.yaml")
            #expect(document.status == 200)
            #expect(document.text.hasPrefix("openapi: 3.1.0"))
            #expect(document.text.contains("/v1/operations/{id}:cancel"))

            // The router's own 404 and an empty archive's selector answer the one error shape.
            let missing = try await h.call(.GET, "/v1/nothing")
            #expect(missing.status == 404)
            #expect(missing.error["code"] as? String == "not_found")
            #expect(missing.header("Content-Type")?.hasPrefix("application/json") == true)
            let none = try await h.call(.GET, "/v1/snapshots/latest")
            #expect(none.status == 404)
            #expect((none.error["message"] as? String)?.contains("no snapshots") == true)

            let bad = try await h.call(.GET, "/v1/snapshots/latest~x")
            #expect(bad.status == 400)
            #expect(bad.error["code"] as? String == "bad_request")
            #expect(bad.error["target"] as? String == "selector")

            // A path the document has, with a method it does not list: 405.
            let method = try await h.call(.DELETE, "/v1/snapshots")
            #expect(method.status == 405)
            #expect(method.error["code"] as? String == "method_not_allowed")
            #expect(method.header("Allow") == "GET, POST")
            let cancel = try await h.call(.PUT, "/v1/operations/x:cancel")
            #expect(cancel.status == 405)
            #expect(cancel.header("Allow") == "POST")
            #expect(try await h.call(.GET, "/v1/operations/x:stop").status == 404)
            #expect(try await h.call(.GET, "/v1/operations?source=").status == 400)

            let page = try await h.call(.GET, "/v1/snapshots?top=0")
            #expect(page.status == 400)
            #expect(page.error["target"] as? String == "top")
        }
    }

    /// Absolute links are built from the request's Host when it is a valid host[:port], else from the address the
    /// server listens on (a missing Host once gave `http://127.0.0.1/...` with no port).
    @Test func linksComeFromAValidHostElseTheListeningAddress() async throws {
        #expect(RequestInfo.baseURL(host: "archive.example:8443", scheme: "http", fallback: "127.0.0.1:1") == "http://archive.example:8443")
        #expect(RequestInfo.baseURL(host: "[::1]:8080", scheme: "https", fallback: "x:1") == "https://[::1]:8080")
        #expect(RequestInfo.baseURL(host: "Archive.Example", scheme: "http", fallback: "x:1") == "http://archive.example")
        for bad in [nil, "", "evil.example/path", "a b", "user@host", "host:0", "host:99999", "host:", "host:12x", "-a.example",
                    "a..b", "[::1", "[zz]:80", "[::1]x", "host:80:80", "ex%61mple"] as [String?] {
            #expect(RequestInfo.baseURL(host: bad, scheme: "http", fallback: "127.0.0.1:1234") == "http://127.0.0.1:1234", "\(bad ?? "nil")")
        }
        // Behind a reverse proxy: X-Forwarded-Host and -Proto win when valid, and are ignored when not.
        func forwarded(_ host: String?, _ proto: String?) -> String {
            RequestInfo.baseURL(host: "127.0.0.1:8080", scheme: "http", fallback: "x:1", forwardedHost: host, forwardedProto: proto)
        }
        #expect(forwarded("tts.example.com", "https") == "https://tts.example.com")
        #expect(forwarded("tts.example.com:8443, 10.0.0.1", "https, http") == "https://tts.example.com:8443")
        #expect(forwarded(nil, "HTTPS") == "https://127.0.0.1:8080")
        #expect(forwarded("bad host", "gopher") == "http://127.0.0.1:8080")
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 5, seed: 1))
            let proxied = try await h.call(.GET, "/v1/snapshots?top=1", headers: [("X-Forwarded-Host", "tts.example.com"),
                                                                                  ("X-Forwarded-Proto", "https")])
            #expect(proxied.status == 200)
            let named = try await h.call(.POST, "/v1/snapshots", headers: [("Host", "archive.example:8443")])
            #expect(named.status == 202)
            let id = try #require(named.json["id"] as? String)
            #expect(named.header("Operation-Location") == "http://archive.example:8443/v1/operations/\(id)")
            #expect(named.header("Location") == "http://archive.example:8443/v1/operations/\(id)/result")
            _ = try await h.finished(id)
            let bad = try await h.call(.GET, "/v1/operations/\(id)", headers: [("Host", "evil.example/x?y")])
            #expect(bad.json["resourceLocation"] as? String == "\(h.base)/v1/snapshots/1")  // the listening address, with its port
            let list = try await h.call(.GET, "/v1/snapshots", headers: [("Host", "two words")])
            #expect(((list.json["value"] as? [[String: Any]])?.first?["url"] as? String) == "\(h.base)/v1/snapshots/1")
            let viaProxy = try await h.call(.GET, "/v1/snapshots", headers: [("X-Forwarded-Host", "tts.example.com"),
                                                                             ("X-Forwarded-Proto", "https")])
            #expect(((viaProxy.json["value"] as? [[String: Any]])?.first?["url"] as? String) == "https://tts.example.com/v1/snapshots/1")
        }
    }

    /// Found by schemathesis: the document allows no `null` (an optional field is left out), but the generated
    /// decoder read `"tags": null` as absent and started a snapshot; and a `skip` past the document's maximum.
    @Test func explicitNullAndAnOutOfRangeSkipAreRefused() async throws {
        try await Harness.with { h in
            for (path, body) in [("/v1/snapshots", #"{"tags": null}"#), ("/v1/snapshots", #"{"note": null}"#),
                                 ("/v1/restores", #"{"target": "restore_target", "models": null}"#),
                                 ("/v1/drills", #"{"languages": null}"#)] {
                let answer = try await h.call(.POST, path, raw: body)
                #expect(answer.status == 400, "\(path) \(body)")
                #expect(answer.error["code"] as? String == "bad_request")
                #expect((answer.error["message"] as? String)?.contains("is null") == true)
                #expect(["tags", "note", "models", "languages"].contains(answer.error["target"] as? String ?? ""))
            }
            #expect((try await h.call(.GET, "/v1/operations").json["value"] as? [Any])?.isEmpty == true)  // nothing started
            // Nulls inside a value are the decoder's to refuse; an object with none goes through.
            #expect(try await h.call(.POST, "/v1/snapshots", raw: #"{"tags": [null]}"#).status == 400)

            let skip = try await h.call(.GET, "/v1/snapshots?skip=1000000001")
            #expect(skip.status == 400)
            #expect(skip.error["target"] as? String == "skip")
            #expect(try await h.call(.GET, "/v1/snapshots?skip=1000000000").status == 200)
        }
    }

    @Test func requestBodiesAreCheckedAndLimited() async throws {
        try await Harness.with { h in
            // An unknown field: 400 naming it, nothing started.
            let unknown = try await h.call(.POST, "/v1/snapshots", json: ["sorce": "default"])
            #expect(unknown.status == 400)
            #expect(unknown.error["code"] as? String == "bad_request")
            #expect((unknown.error["message"] as? String)?.contains("sorce") == true)
            let broken = try await h.call(.POST, "/v1/snapshots", raw: "{\"tags\": [")
            #expect(broken.status == 400)
            let missingTarget = try await h.call(.POST, "/v1/restores", json: ["snapshot": "latest"])
            #expect(missingTarget.status == 400)
            #expect((missingTarget.error["message"] as? String)?.contains("target") == true)
            let badTag = try await h.call(.POST, "/v1/snapshots", json: ["tags": ["two words"]])
            #expect(badTag.status == 400)
            #expect(badTag.error["target"] as? String == "tags")
            let unknownSource = try await h.call(.POST, "/v1/snapshots", json: ["source": "prod"])
            #expect(unknownSource.status == 400)
            #expect((unknownSource.error["message"] as? String)?.contains("sources are: default") == true)

            let big = try await h.call(.POST, "/v1/snapshots", raw: "{\"note\": \"" + String(repeating: "x", count: 2 << 20) + "\"}")
            #expect(big.status == 413)
            #expect(big.error["code"] as? String == "too_large")
            let list = try await h.call(.GET, "/v1/operations")
            #expect((list.json["value"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func snapshotOperationHeadersMonitorAndResult() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 120, seed: 4))
            let started = try await h.call(.POST, "/v1/snapshots", json: ["tags": ["first"], "note": "from the API"])
            #expect(started.status == 202)
            let id = try #require(started.json["id"] as? String)
            #expect(started.header("Operation-Id") == id)
            #expect(started.header("Operation-Location") == "\(h.base)/v1/operations/\(id)")
            #expect(started.header("Location") == "\(h.base)/v1/operations/\(id)/result")
            #expect(started.header("Retry-After") == "1")
            #expect(started.json["kind"] as? String == "snapshot")
            #expect(["NotStarted", "Running"].contains(started.json["status"] as? String))

            let done = try await h.finished(id)
            #expect(done.status == 200)
            #expect(done.json["status"] as? String == "Succeeded")
            #expect(done.json["percentComplete"] as? Int == 100)
            #expect(done.header("Retry-After") == nil)
            let snapshotURL = try #require(done.json["resourceLocation"] as? String)
            #expect(snapshotURL == "\(h.base)/v1/snapshots/1")

            let result = try await h.call(.GET, "/v1/operations/\(id)/result")
            #expect(result.status == 200)
            #expect((result.json["snapshot"] as? [String: Any])?["models"] as? Int == 3)
            #expect(result.json["url"] as? String == snapshotURL)

            let snapshot = try await h.call(.GET, snapshotURL)
            #expect(snapshot.json["tags"] as? [String] == ["first"])
            #expect(snapshot.json["note"] as? String == "from the API")
            #expect(snapshot.json["source"] as? String == "default")
            #expect(try await h.call(.GET, "/v1/snapshots/first").json["id"] as? Int == 1)
        }
    }

    /// A diff of two snapshots is computed once, however many ask at once, and answered the same after (wrk's
    /// 16 connections on one diff of a medium archive timed out while each request computed it again).
    @Test func aDiffOfTwoSnapshotsIsComputedOnce() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 150, seed: 4))
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            _ = h.source.applyNight(seed: 1)
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            let bodies = try await withThrowingTaskGroup(of: Data.self) { group in
                for _ in 0..<8 { group.addTask { try await h.call(.GET, "/v1/diff?from=1&to=2").body } }
                return try await group.reduce(into: [Data]()) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1)
            #expect(try await h.call(.GET, "/v1/diff?from=latest~1&to=latest").body == bodies[0])
            #expect(await h.server.diffs.computed == 1)
            #expect(try await h.call(.GET, "/v1/diff?from=1&to=2&match_by=name").status == 200)
            #expect(await h.server.diffs.computed == 2)
        }
    }

    /// `GET /v1/diff` answers, byte for byte, what `tts-archive diff --json` prints: the bytes kept once encoded,
    /// sent as they are (re-encoding them through the document's free-form `Diff` cost ~250 ms a request on a
    /// medium diff, and lost the document's line per change).
    @Test(.enabled(if: serveBinary != nil, "needs the built tts-archive binary"))
    func aDiffAnswersTheBytesOfDiffJSON() async throws {
        try await Harness.with { h in
            _ = try h.source.generate(GeneratorSpec(models: 3, words: 150, seed: 4))
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            _ = h.source.applyNight(seed: 1)
            _ = try await h.finished(try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String))
            let cli = Process()
            cli.executableURL = URL(fileURLWithPath: serveBinary!)
            cli.arguments = ["diff", "1", "2", "--json", "--archive", h.archive]
            cli.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
            let out = Pipe()
            cli.standardOutput = out
            try cli.run()
            let printed = out.fileHandleForReading.readDataToEndOfFile()
            cli.waitUntilExit()
            #expect(cli.terminationStatus == 1)  // differences
            #expect(printed.count > 1000)
            for _ in 0..<2 {  // computed, then from the cache
                let answer = try await h.call(.GET, "/v1/diff?from=1&to=2")
                #expect(answer.status == 200)
                #expect(answer.header("Content-Type")?.hasPrefix("application/json") == true)
                #expect(answer.body == printed)
            }
        }
    }

    @Test func theDiffCacheKeysOnContentAndKeepsNoFailure() async throws {
        let cache = DiffCache(capacity: 2)
        let a = DiffCache.Side(id: 1, startedAt: "t1", digest: "d1"), b = DiffCache.Side(id: 2, startedAt: "t2", digest: "d2")
        let other = DiffCache.Side(id: 2, startedAt: "t3", digest: "d3")  // id 2 forgotten and taken by another snapshot
        let empty: [UInt8] = Array("{}".utf8)
        _ = try await cache.diff(.init(from: a, to: b, matchBy: .id)) { empty }
        _ = try await cache.diff(.init(from: a, to: b, matchBy: .id)) { empty }
        #expect(await cache.computed == 1)
        _ = try await cache.diff(.init(from: a, to: other, matchBy: .id)) { empty }
        #expect(await cache.computed == 2)
        await #expect(throws: APIError.self) {
            try await cache.diff(.init(from: b, to: a, matchBy: .id)) { throw APIError.notFound("gone") }
        }
        _ = try await cache.diff(.init(from: b, to: a, matchBy: .id)) { empty }
        #expect(await cache.computed == 4)  // the failure was not kept
        _ = try await cache.diff(.init(from: a, to: b, matchBy: .id)) { empty }
        #expect(await cache.computed == 5)  // capacity 2: the oldest went
    }

    @Test func readsPageAndSearch() async throws {
        try await Harness.with { h in
            let ids = try h.source.generate(GeneratorSpec(models: 3, words: 300, seed: 6))
            for _ in 0..<3 {
                let id = try #require(try await h.call(.POST, "/v1/snapshots").json["id"] as? String)
                #expect(try await h.finished(id).json["status"] as? String == "Succeeded")
            }
            let first = try await h.call(.GET, "/v1/snapshots?top=2")
            #expect((first.json["value"] as? [[String: Any]])?.map { $0["id"] as? Int } == [3, 2])
            let next = try #require(first.json["nextLink"] as? String)
            #expect(next == "\(h.base)/v1/snapshots?top=2&skip=2")
            let second = try await h.call(.GET, next)
            #expect((second.json["value"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
            #expect(second.json["nextLink"] == nil)

            let models = try await h.call(.GET, "/v1/snapshots/latest/models")
            let listed = try #require(models.json["value"] as? [[String: Any]])
            #expect(listed.compactMap { $0["customizationId"] as? String } == ids.sorted())
            let model = try #require(listed.first)
            let wordCount = try #require(model["words"] as? Int)
            let id = try #require(model["customizationId"] as? String)
            let page = try await h.call(.GET, "/v1/snapshots/latest/models/\(id)/words?top=5")
            let words = try #require(page.json["value"] as? [[String: Any]])
            #expect(words.count == min(5, wordCount))
            let word = try #require(words.first?["word"] as? String)
            let found = try await h.call(.GET, "/v1/snapshots/latest/models/\(id)/words?search=\(word.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect((found.json["value"] as? [[String: Any]])?.contains { $0["word"] as? String == word } == true)
            let unknown = try await h.call(.GET, "/v1/snapshots/latest/models/nope/words")
            #expect(unknown.status == 404)
            #expect(unknown.error["target"] as? String == "customization_id")

            // Tags: PUT and DELETE are idempotent and answer the snapshot.
            #expect(try await h.call(.PUT, "/v1/snapshots/2/tags/keep").json["tags"] as? [String] == ["keep"])
            #expect(try await h.call(.PUT, "/v1/snapshots/2/tags/keep").status == 200)
            #expect(try await h.call(.GET, "/v1/snapshots?tag=keep").json["value"].map { ($0 as? [Any])?.count } == 1)
            #expect(try await h.call(.DELETE, "/v1/snapshots/keep/tags/keep").json["tags"] as? [String] == [])
            #expect(try await h.call(.PUT, "/v1/snapshots/2/tags/latest").status == 400)

            // diff: the CLI's --json schema; `live` reads the source.
            let diff = try await h.call(.GET, "/v1/diff?from=1&to=latest")
            #expect(diff.status == 200)
            #expect(diff.json["from"] != nil && diff.json["summary"] != nil)
            let store = try ArchiveStore(path: h.archive, access: .read)
            let cli = try JSONSerialization.jsonObject(with: Data(try SnapshotDiff(store).between(1, 3).jsonBytes())) as? NSDictionary
            #expect(NSDictionary(dictionary: diff.json) == cli)
            _ = try h.source.generate(GeneratorSpec(models: 1, words: 10, seed: 9))
            let live = try await h.call(.GET, "/v1/diff?from=latest&to=live")
            #expect(live.status == 200)
            #expect((live.json["summary"] as? [String: Any])?["models_added"] as? Int == 1)
            #expect(try await h.call(.GET, "/v1/diff?from=live&to=live").status == 400)
        }
    }

    @Test func sourcesNeverShowCredentials() async throws {
        try await Harness.with { h in
            let sources = try await h.call(.GET, "/v1/sources")
            #expect(sources.status == 200)
            let value = try #require(sources.json["value"] as? [[String: Any]])
            #expect(value.map { $0["name"] as? String } == ["default"])
            #expect((value.first?["url"] as? String)?.hasPrefix("http://127.0.0.1:") == true)
            #expect(!sources.text.lowercased().contains("apikey"))
        }
    }
}
