import Foundation
import Testing
import TTSEmulator
@testable import ArchiveServer

/// A page of snapshots is written directly (SnapshotJSON.swift): byte for byte what the generated encoding
/// printed.
@Suite struct SnapshotJSONTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // the server's options (ArchiveHTTPServer)
        return encoder
    }()

    static let full = Components.Schemas.Snapshot(
        id: 42, source: "prod \"east\"", sourceUrl: "https://api.example/instances/a\\b", scope: "models=a/b",
        startedAt: "2026-12-01T03:00:00Z", finishedAt: "2026-12-01T03:00:05.5Z", note: "line\nnext\ttab \u{1} é 😀 </script>",
        tags: ["nightly", "before-upgrade"], models: 100, words: 500_000, prompts: 3,
        changes: .init(modelsAdded: 1, modelsRemoved: 2, modelsChanged: 3, wordsAdded: 4, wordsRemoved: 5, wordsChanged: 6),
        digest: "sha256:00ff", url: "http://127.0.0.1:8080/v1/snapshots/42")

    @Test func aPageIsWrittenAsTheGeneratedEncodingPrintsIt() throws {
        // The fixture sets every member, so a member added to the document must be written too for this to pass.
        #expect(Mirror(reflecting: Self.full).children.allSatisfy { child in
            (child.value as? any OptionalProtocol)?.isNone != true
        })
        let bare = Components.Schemas.Snapshot(id: 1, source: "", startedAt: "", tags: [], models: 0, words: 0, prompts: 0, url: "")
        for list in [Components.Schemas.SnapshotList(value: [Self.full, bare], nextLink: "http://h/v1/snapshots?top=2&skip=2"),
                     .init(value: [bare, Self.full]), .init(value: [])] {
            #expect(String(decoding: list.jsonBytes(), as: UTF8.self) == String(decoding: try Self.encoder.encode(list), as: UTF8.self))
        }
    }

    /// Over HTTP: the page's bytes are the generated encoding of the listing, and the web page, which calls the
    /// handler directly, still gets the typed value.
    @Test func theListingAnswersTheGeneratedEncodingsBytes() async throws {
        try await Harness.with { h in
            try await ReadStoreTests.snapshotAndList(h)
            _ = try await h.call(.PUT, "/v1/snapshots/1/tags/keep")
            let answer = try await h.call(.GET, "/v1/snapshots?top=1")
            let list = try JSONDecoder().decode(Components.Schemas.SnapshotList.self, from: answer.body)
            #expect(list.value.map(\.tags) == [["keep"]])
            #expect(answer.body == (try Self.encoder.encode(list)))
            #expect(answer.header("Content-Length") == String(answer.body.count))
            let direct = try await Handlers(server: h.server).listSnapshots(.init(query: .init(top: 1)))
            #expect(try direct.ok.body.json.value.map(\.id) == [1])
        }
    }
}

private protocol OptionalProtocol { var isNone: Bool { get } }
extension Optional: OptionalProtocol { var isNone: Bool { self == nil } }
