import ArgumentParser
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "demo placeholder")
    func run() async throws {}
}
