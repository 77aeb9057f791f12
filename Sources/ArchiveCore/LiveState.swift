import TTSAPI

/// The current models of a service instance, fetched like a snapshot but recorded nowhere (for `diff live`).
public enum LiveState {
    public static func fetch(from source: ModelSource, filter: ModelFilter = .init(), concurrency: Int = 8) async throws -> [CustomModel] {
        let ids = try await source.listModels().filter(filter.matches).map(\.customizationID)
        var models: [CustomModel] = []
        try await Snapshotter.fetchAll(ids, from: source, concurrency: max(1, concurrency), prepare: { $0 }) { result in
            // A model deleted between list and get is simply not there any more.
            if case .model(let m) = result { models.append(m) }
        }
        return models
    }
}
