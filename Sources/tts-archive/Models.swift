import ArgumentParser
// Placeholder, replaced by the service-client work.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "models placeholder")
    func run() async throws {}
}
