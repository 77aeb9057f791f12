import Foundation
import Logging
import Testing
import TTSClient
@testable import ArchiveServer

/// The server keeps one service client per set of credentials (a client made and shut down per operation left
/// memory behind in AsyncHTTPClient each time; `scripts/bench`'s server RSS row measures it).
@Suite struct ServiceClientsTests {
    @Test func oneClientPerCredentialsUntilShutdown() async throws {
        let clients = ServiceClients(configuration: ClientConfiguration(userAgent: "test"), logger: Logger(label: "test"))
        let source = ServiceCredentials(serviceURL: "http://127.0.0.1:9/source", authentication: .none)
        let target = ServiceCredentials(serviceURL: "http://127.0.0.1:9/target", authentication: .none)
        let first = try clients.client(for: source)
        #expect(try clients.client(for: source) === first)
        #expect(try clients.client(for: ServiceCredentials(serviceURL: "http://127.0.0.1:9/source", authentication: .none)) === first)
        #expect(try clients.client(for: target) !== first)
        // The same URL with other credentials is another client (its own authentication).
        let basic = ServiceCredentials(serviceURL: "http://127.0.0.1:9/source",
                                       authentication: .basic(username: "apikey", password: Secret("k")))
        #expect(try clients.client(for: basic) !== first)
        await clients.shutdown()
        #expect(throws: CancellationError.self) { try clients.client(for: source) }
    }
}
