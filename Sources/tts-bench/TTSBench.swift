import ArgumentParser

/// Benchmarks print figures for humans; they are never timed unit tests.
@main
struct TTSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tts-bench",
        abstract: "Benchmarks of tts-archive's parts.",
        subcommands: [EmulatorBench.self, DecodeBench.self]
    )
}
