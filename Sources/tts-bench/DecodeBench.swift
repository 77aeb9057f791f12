import ArgumentParser
import Foundation
import TTSAPI

/// Times the client's decoding of one get-model answer: Foundation's JSONDecoder against the hand-written
/// `CustomModel.decodeFast` now used by `TextToSpeechClient.getModel`. Run it in release (`-c release`).
struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Time decoding of a get-model answer with JSONDecoder and with decodeFast.",
        discussion: """
        Builds one answer from the emulator's generator (realistic entries: acronyms, unicode, phoneme
        markup), checks that both decoders agree, then prints the median and minimum of --runs decodes each.

        EXAMPLES
          swift run -c release tts-bench decode
          swift run -c release tts-bench decode --words 5000 --runs 50
        """
    )

    @Option(help: "Entries in the model.")
    var words = ServiceLimits.maxWordsPerModel

    @Option(help: "Timed decodes per decoder.")
    var runs = 30

    func validate() throws {
        guard runs > 0, (1...ServiceLimits.maxWordsPerModel).contains(words) else {
            throw ValidationError("--runs must be positive and --words within 1...\(ServiceLimits.maxWordsPerModel)")
        }
    }

    func run() throws {
        let model = CustomModel(
            customizationID: "64f4807f-a5f1-5867-924f-7bba1a84fe97", name: "tts-bench", language: "en-US",
            owner: "297cfd08-330a-22ba-93ce-1a73f454dd98", created: "2016-07-15T18:12:31.743Z",
            lastModified: "2016-07-15T18:12:31.743Z", description: "decode benchmark",
            words: try EmulatorBench.lexicon(words: words), prompts: [])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let body = try encoder.encode(model)
        guard try JSONDecoder().decode(CustomModel.self, from: body) == model,
              try body.withUnsafeBytes({ try CustomModel.decodeFast($0) }) == model
        else { throw ValidationError("the decoders disagree") }

        let foundation = try time { _ = try JSONDecoder().decode(CustomModel.self, from: body) }
        let fast = try time { _ = try body.withUnsafeBytes { try CustomModel.decodeFast($0) } }
        print("get-model answer: \(words) words, \(body.count) bytes, \(runs) runs each")
        print("decoder          median ms   min ms")
        print(String(format: "JSONDecoder      %9.2f %8.2f", foundation.median, foundation.min))
        print(String(format: "decodeFast       %9.2f %8.2f", fast.median, fast.min))
        print(String(format: "speed-up (median) %.1fx", foundation.median / fast.median))
    }

    /// Median and minimum in milliseconds, after one untimed warm-up.
    private func time(_ op: () throws -> Void) throws -> (median: Double, min: Double) {
        try op()
        var ms: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try op()
            let d = ContinuousClock.now - start
            ms.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
        ms.sort()
        return (ms[ms.count / 2], ms[0])
    }
}
