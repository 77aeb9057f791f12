import ArgumentParser

// Placeholder, replaced by the emulator work (issue 3).
struct Emulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the local emulator of the service.")
    func run() async throws { throw ExitCode(ExitStatus.failure.rawValue) }
}
