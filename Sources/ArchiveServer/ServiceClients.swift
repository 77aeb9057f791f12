import Foundation
import Logging
import Synchronization
import TTSClient

/// The server's service clients: one per set of credentials (a source or a restore target), made when first
/// needed, kept for the server's life and shut down after its operations have stopped.
///
/// A client made and shut down for each operation left about 8 KB behind in AsyncHTTPClient every time (a new
/// `HTTPClient` that opened a connection; one kept client opening as many connections does not grow), so the
/// server's memory grew with the operations it ran: 42 MB after 50 snapshots, 66 MB after 3,000. A kept client
/// also keeps its connections and its IAM or Cloud Pak token between operations.
final class ServiceClients: Sendable {
    private let configuration: ClientConfiguration
    private let logger: Logger
    private let state = Mutex<(clients: [(credentials: ServiceCredentials, client: TextToSpeechClient)], closed: Bool)>(([], false))

    init(configuration: ClientConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The client for `credentials`; after ``shutdown()`` (the server is stopping) a `CancellationError`.
    func client(for credentials: ServiceCredentials) throws -> TextToSpeechClient {
        try state.withLock { state throws -> TextToSpeechClient in
            guard !state.closed else { throw CancellationError() }
            if let kept = state.clients.first(where: { $0.credentials == credentials }) { return kept.client }
            let client = try TextToSpeechClient(credentials: credentials, configuration: configuration, logger: logger)
            state.clients.append((credentials, client))
            return client
        }
    }

    /// Shuts every client down; called once no operation or request uses them.
    func shutdown() async {
        let clients = state.withLock { state in
            state.closed = true
            defer { state.clients = [] }
            return state.clients.map(\.client)
        }
        for client in clients { try? await client.shutdown() }
    }
}
