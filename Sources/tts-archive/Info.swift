import ArgumentParser
struct Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "info placeholder")
    func run() async throws {}
}
