/// Runs `work` on each item with at most `limit` running at once, and hands each result to `consume` on the
/// calling task as it arrives (in completion order), so state such as the database is only touched from one
/// task. An error from `work` or `consume` cancels the remaining work and is rethrown.
func forEachConcurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], limit: Int,
    _ work: @escaping @Sendable (Item) async throws -> Output,
    consume: (Output) throws -> Void = { _ in }
) async throws {
    try await withThrowingTaskGroup(of: Output.self) { group in
        var next = items.makeIterator()
        func launch() {
            guard let item = next.next() else { return }
            group.addTask { try await work(item) }
        }
        for _ in 0..<max(1, limit) { launch() }
        while let output = try await group.next() {
            try consume(output)
            launch()
        }
    }
}
