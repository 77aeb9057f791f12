import Foundation
@testable import TTSClient
import Testing

/// An answer over ``ClientConfiguration/maxResponseBytes`` is one clear line naming the call and the limit, not
/// NIO's `NIOTooManyBytesError(maxBytes: ...)` as a "transport error" (issue 15, item 11).
@Suite struct AnswerSizeTests {
    @Test func anOversizedAnswerNamesTheCallAndTheLimit() async throws {
        let big = #"{"customizations": [], "padding": ""# + String(repeating: "x", count: 3 << 20) + #""}"#
        let error = try await withStubServer { _ in .json(200, big, headers: ["X-Global-Transaction-Id": "tx-big"]) } _: { server in
            await serviceError {
                try await TextToSpeechClient.withClient(
                    credentials: ServiceCredentials(serviceURL: server.url, authentication: .none),
                    configuration: ClientConfiguration(retry: .never, maxResponseBytes: 1 << 20)
                ) { _ = try await $0.listModels() }
            }
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.status == 200)
        #expect(error?.attempts == 1)
        #expect(error?.description == "GET /v1/customizations: 200 OK: the answer is larger than 1 MiB, the most read of one answer "
            + "and far more than the service sends; check that the URL is that of a Text to Speech instance [transaction tx-big]")
    }
}
