import ArchiveCore
import ArgumentParser
import Foundation
import TTSAPI
import TTSClient

/// `tts-archive models`: the live custom models of the service instance.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the custom models of a service instance.",
        discussion: """
        Lists the live custom models (not the archive): a table sorted by language \
        and name, or the service's JSON with --json. No word counts: the list call \
        of the service does not return words. Control characters in names are shown escaped (\\n, \\u{1B}); \
        --json has the exact text.

        EXAMPLES
          # INSTANCE_URL is https://api.REGION.text-to-speech.watson.cloud.ibm.com
          # followed by /instances/ID, as shown in the IBM Cloud console.
          export TEXT_TO_SPEECH_URL="$INSTANCE_URL"
          export TEXT_TO_SPEECH_APIKEY=...   # or both in ./ibm-credentials.env
          tts-archive models
          tts-archive models --language ja-JP --json
          tts-archive models --service-name restore_target   # RESTORE_TARGET_*
          tts-archive models --url http://127.0.0.1:8080 --auth-type noAuth

        \(ServiceOptions.credentialsHelp)

        \(ExitStatus.helpSection(.success, .failure, .auth, .usage))
        """)

    @OptionGroup(title: "Service")
    var service: ServiceOptions

    @Option(help: ArgumentHelp("Only models of this language, e.g. en-US. A language with no models is an error (exit 2) that names the languages there are.",
                               valueName: "language"))
    var language: String?

    @Flag(help: "Print the service's JSON ({\"customizations\": [...]}) instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let models = try await service.withClient { client in
                let models = try await client.listModels(language: language)
                if let language, models.isEmpty {
                    // A language with no models is most often a typo: say which languages there are.
                    try ModelFilter(languages: [language]).check(try await client.listModels(), in: "on the service")
                }
                return models
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(CustomModelList(customizations: models)), as: UTF8.self))
            } else if models.isEmpty {
                print("No custom models.")
            } else {
                print(Self.table(models), terminator: "")
            }
        }
    }

    /// Columns aligned by character count; the name goes last since it is the longest and most varied. Cells are
    /// escaped (``TerminalText``): a newline in a name would break the table's lines.
    static func table(_ models: [CustomModel]) -> String {
        let sorted = models.sorted {
            ($0.language ?? "", $0.name ?? "", $0.customizationID) < ($1.language ?? "", $1.name ?? "", $1.customizationID)
        }
        let rows = [["CUSTOMIZATION_ID", "LANGUAGE", "LAST_MODIFIED", "NAME"]]
            + sorted.map { [$0.customizationID, $0.language ?? "-", $0.lastModified ?? "-", $0.name ?? "-"].map(TerminalText.escape) }
        var widths = [Int](repeating: 0, count: 3)
        for row in rows { for column in 0..<3 { widths[column] = max(widths[column], row[column].count) } }
        return rows.map { row in
            (0..<3).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) + "  " }.joined() + row[3] + "\n"
        }.joined()
    }
}
