@testable import ArchiveCore
import Foundation
import Testing
import TTSAPI
import TTSClient
import TTSEmulator

@Suite struct SnapshotOverHTTPTests {
    @Test func snapshotsOfTheEmulatorRoundTripAndNightsDiffExactly() async throws {
        try await Live.with { live in
            _ = try live.server.generate(GeneratorSpec(models: 12, words: 3_000, seed: 11))
            let first = try await live.snapshot(SnapshotOptions(tags: ["first"]))
            let before = try await live.current()
            #expect(try SnapshotReader(live.store).models(in: first.snapshotID) == before)
            #expect(first.models == 12 && first.words == 3_000)

            _ = live.server.applyNight(seed: 5)
            let second = try await live.snapshot()
            let after = try await live.current()
            #expect(try SnapshotReader(live.store).models(in: second.snapshotID) == after)
            let diff = try SnapshotDiff(live.store).between(first.snapshotID, second.snapshotID)
            #expect(diff == ContentDiff.compare(before, after, from: "snapshot 1", to: "snapshot 2", matchBy: .id))
            #expect(!diff.summary.isEmpty)

            // Nothing changed since: the live diff is empty, and an unchanged snapshot adds no rows.
            let live2 = try await live.current()
            #expect(try SnapshotDiff(live.store).against(second.snapshotID, live: live2, liveLabel: "live", snapshotFirst: true,
                                                         filter: .init(), matchBy: .id).summary.isEmpty)
            let rows: Int = try live.store.db.scalar("SELECT count(*) FROM words")
            let third = try await live.snapshot()
            #expect(third.digest == second.digest)
            #expect(try live.store.db.scalar("SELECT count(*) FROM words", as: Int.self) == rows)
            #expect(try ArchiveChecker(live.store).run().problems.isEmpty)
        }
    }

    @Test func awkwardWordsSurviveTheRoundTrip() async throws {
        try await Live.with { live in
            let ja = try await live.client.createModel(CreateModelRequest(name: "日本語 terms", language: "ja-JP"))
            let en = try await live.client.createModel(CreateModelRequest(name: "Awkward", language: "en-US", description: "URL-hostile"))
            let words = ["TCP/IP", "a&b", "50%", "what?", "#tag", "caf\u{E9}", "cafe\u{301}", "😀", "x+y", "back\\slash", "quote\"d"]
            try await live.client.addWords(id: en.customizationID, words.map { WordEntry(word: $0, translation: "say \($0)") })
            try await live.client.addWords(id: ja.customizationID, [WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi")])
            let s = try await live.snapshot()
            let archived = try SnapshotReader(live.store).models(in: s.snapshotID)
            #expect(archived == (try await live.current()))
            #expect(archived.flatMap { $0.words ?? [] }.count == words.count + 1)
            #expect(archived.first { $0.language == "ja-JP" }?.words?.first?.partOfSpeech == "Mesi")
        }
    }

    @Test func retriesThroughInjectedFaultsAndStillRecordsTheExactState() async throws {
        var config = EmulatorConfiguration()
        config.faults = FaultPlan(tooManyRequestsRate: 0.1, unavailableRate: 0.1, dropRate: 0.05, retryAfterSeconds: 0, seed: 3)
        try await Live.with(config) { live in
            _ = try live.server.generate(GeneratorSpec(models: 20, words: 2_000, seed: 2))
            let s = try await live.snapshot()
            live.server.faults.reset()
            #expect(try SnapshotReader(live.store).models(in: s.snapshotID) == (try await live.current()))
        }
    }

    @Test func aServiceFailureMidRunLeavesTheArchiveAsItWas() async throws {
        try await Live.with(retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))) { live in
            _ = try live.server.generate(GeneratorSpec(models: 6, words: 600, seed: 4))
            let first = try await live.snapshot()
            _ = live.server.applyNight(seed: 9)
            // Every get-model fails from now on, beyond the client's retries.
            live.server.faults.failNext(count: 1_000, method: "GET", pathPrefix: "/v1/customizations/", with: .status(500))
            await #expect(throws: TTSClient.ServiceError.self) { try await live.snapshot() }
            #expect(try SnapshotReader(live.store).all().map(\.id) == [first.snapshotID])
            #expect(try ArchiveChecker(live.store).run().problems.isEmpty)
            live.server.faults.reset()
            let next = try await live.snapshot()
            #expect(try SnapshotReader(live.store).models(in: next.snapshotID) == (try await live.current()))
        }
    }

    @Test func wrongCredentialsStopTheRunAsAnAuthFailure() async throws {
        var config = EmulatorConfiguration()
        config.apiKeys = ["right-key"]
        try await Live.with(config, apiKey: "wrong-key-0123456789") { live in
            do {
                _ = try await live.snapshot()
                Issue.record("expected an authentication failure")
            } catch let error as TTSClient.ServiceError {
                #expect(error.isAuthenticationFailure)
                #expect(!String(describing: error).contains("wrong-key-0123456789"))
            }
            #expect(try SnapshotReader(live.store).all().isEmpty)
        }
    }

    @Test func instancesAreSeparateSources() async throws {
        var config = EmulatorConfiguration()
        config.apiKeys = ["key-a"]
        try await Live.with(config, apiKey: "key-a") { live in
            _ = try await live.client.createModel(CreateModelRequest(name: "only in a"))
            let s = try await live.snapshot()
            #expect(s.models == 1)
            #expect(s.source == live.url.absoluteString)
        }
    }
}
