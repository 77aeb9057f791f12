import ArchiveCore
import ArgumentParser
import Foundation
import TTSAPI
import TTSClient
import TTSEmulator

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole story on an embedded emulator: snapshot, a week of edits, snapshot, diff, restore, verify.",
        discussion: """
        Needs nothing configured and touches no real service: it starts an in-process emulator with realistic \
        lexicons (several languages, Japanese with parts of speech, URL-hostile words), archives it, makes a \
        week of typical edits, archives again, shows what changed, and restores Monday's snapshot into a \
        second, empty service instance, verified to hold exactly what was archived. The archive is left in a fresh folder \
        (or --archive) so you can try the other commands on it afterwards.

        EXAMPLES
          tts-archive demo
          tts-archive demo --archive /tmp/demo.sqlite

        \(ExitStatus.helpSection(.success, .failure, .archive, .usage))
        """
    )

    @Option(help: ArgumentHelp("Archive to write (default: a new folder under the system temp folder).", valueName: "path"))
    var archive: String?

    func run() async throws {
        try await reportingErrors { try await story() }
    }

    private func say(_ text: String) { print(text) }
    private func step(_ n: Int, _ text: String) { print("\n\(n). \(text)") }

    private func story() async throws {
        let path = archive ?? FileManager.default.temporaryDirectory
            .appending(path: "tts-archive-demo-\(UUID().uuidString.prefix(8))").appending(path: "archive.sqlite").path
        if FileManager.default.fileExists(atPath: path) { throw ValidationError("\(path) exists; name a new archive") }

        let server = EmulatorServer(configuration: EmulatorConfiguration(apiKeys: ["demo-source-key", "demo-target-key"]))
        let url = try await server.start()
        step(1, "Started an emulator of IBM Watson Text to Speech at \(url.absoluteString) (in this process).")
        _ = try server.instance(forAPIKey: "demo-source-key")!.generate(GeneratorSpec(models: 8, words: 4_000, seed: 7))
        do {
            try await TextToSpeechClient.withClient(credentials: Self.credentials(url, key: "demo-source-key")) { client in
                try await tellTheStory(client: client, server: server, archivePath: path)
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// IAM credentials of one of the demo emulator's instances (its token service is the emulator itself).
    private static func credentials(_ url: URL, key: String) -> ServiceCredentials {
        ServiceCredentials(serviceURL: url.absoluteString,
                           authentication: .iam(apiKey: Secret(key), authURL: url.absoluteString, clientID: nil, clientSecret: nil, scope: nil))
    }

    private func tellTheStory(client: TextToSpeechClient, server: EmulatorServer, archivePath: String) async throws {
        let awkward = try await client.createModel(CreateModelRequest(name: "Product names", language: "en-US", description: "Brands and URL-hostile words"))
        try await client.addWords(id: awkward.customizationID, [
            WordEntry(word: "IEEE", translation: "I triple E"),
            WordEntry(word: "TCP/IP", translation: "T C P I P"),
            WordEntry(word: "R&D", translation: "R and D"),
            WordEntry(word: "50%", translation: "fifty percent"),
            WordEntry(word: "iPhone", translation: "<phoneme alphabet=\"ipa\" ph=\"ˈaɪfoʊn\"></phoneme>"),
            WordEntry(word: "tomato", translation: "<phoneme alphabet=\"ibm\" ph=\".0tx.1me.0Fo\"></phoneme>"),
        ])
        // Japanese entries carry a part of speech (the only language that has one).
        let japanese = try await client.createModel(CreateModelRequest(name: "社内用語", language: "ja-JP", description: "Company terms"))
        try await client.addWords(id: japanese.customizationID, [
            WordEntry(word: "ＮＹ", translation: "ニューヨーク", partOfSpeech: "Mesi"),
            WordEntry(word: "東京", translation: "トーキョー", partOfSpeech: "Mesi"),
            WordEntry(word: "IBM", translation: "アイビーエム", partOfSpeech: "Koyu"),
        ])
        let models = try await client.listModels()
        say("   It holds \(models.count) custom models: \(Set(models.compactMap(\.language)).sorted().joined(separator: ", ")).")

        let store = try ArchiveStore(path: archivePath, access: .write)
        let source = ServiceModelSource(client: client)
        step(2, "Monday night: the first snapshot.")
        let monday = try await Snapshotter.run(store: store, source: source, options: SnapshotOptions(note: "demo: first night", tags: ["monday"]))
        say("   snapshot \(monday.snapshotID): \(monday.models) models, \(monday.words) words, \(monday.prompts) prompt records, digest \(monday.digest.prefix(16))…")

        step(3, "Tuesday: nothing changed. The nightly run costs almost no space.")
        let sizeBefore = try store.info().fileBytes
        let tuesday = try await Snapshotter.run(store: store, source: source)
        try store.checkpoint()
        say("   snapshot \(tuesday.snapshotID): same digest (\(tuesday.digest == monday.digest ? "yes" : "no")), archive grew by \(try store.info().fileBytes - sizeBefore) bytes.")

        step(4, "During the week the team edits the lexicons:")
        for night in 1...4 { _ = server.instance(forAPIKey: "demo-source-key")!.applyNight(.night, seed: UInt64(night)) }
        say("   - four nights of ordinary edits (translations changed, words added and deleted, a model or two)")
        try await client.addWords(id: awkward.customizationID, (1...300).map { WordEntry(word: "SKU-\($0)", translation: "S K U \($0)") })
        say("   - a bulk import of 300 product codes into \"Product names\"")
        try await client.addWord(id: awkward.customizationID, word: "IEEE", Translation(translation: "eye triple E"))
        say("   - a typo fix: IEEE is now \"eye triple E\"")
        let others = try await client.listModels().filter { $0.customizationID != awkward.customizationID }
        if let doomed = others.first {
            try await client.deleteModel(id: doomed.customizationID)
            say("   - a model deleted by mistake: \"\(doomed.name ?? "")\" (\(doomed.language ?? ""))")
        }
        if others.count > 1 {
            let renamed = others[1]
            try await client.updateModel(id: renamed.customizationID, UpdateModelRequest(name: (renamed.name ?? "") + " (2027)"))
            say("   - a model renamed: \"\(renamed.name ?? "")\" -> \"\((renamed.name ?? "") + " (2027)")\"")
        }

        step(5, "Friday night: another snapshot.")
        let friday = try await Snapshotter.run(store: store, source: source, options: SnapshotOptions(tags: ["friday"]))
        say("   snapshot \(friday.snapshotID): models +\(friday.modelsAdded) -\(friday.modelsRemoved) ~\(friday.modelsChanged), words +\(friday.wordsAdded) -\(friday.wordsRemoved) ~\(friday.wordsChanged)")

        step(6, "What changed since Monday? (tts-archive diff monday friday --stat)")
        let diff = try SnapshotDiff(store).between(monday.snapshotID, friday.snapshotID)
        let format = DiffFormat(colour: Output.isTerminal)
        Output.table(["CHANGE", "CUSTOMIZATION ID", "LANGUAGE", "+WORDS", "-WORDS", "~WORDS", "METADATA", "NAME"], format.stat(diff), numeric: [3, 4, 5])
        say(format.summary(diff.summary))
        if let product = diff.models.first(where: { $0.toCustomizationID == awkward.customizationID }) {
            say("\n   and word by word, e.g. the typo fix (tts-archive diff monday friday --model \"Product names\"):")
            for w in product.words where w.change == .changed { say("     ~ \(w.word)  \(DiffFormat.describe(w.old))  ->  \(DiffFormat.describe(w.new))") }
        }

        step(7, "Is the archive sound? (tts-archive check)")
        let report = try ArchiveChecker(store).run()
        say("   checked \(report.snapshotsChecked) snapshots, \(report.wordRowsRead) word rows: \(report.problems.isEmpty ? "no problems" : "\(report.problems.count) problems")")

        step(8, "Disaster strikes: Monday's lexicons must come back, into a fresh, empty instance.")
        let restored = try await TextToSpeechClient.withClient(credentials: Self.credentials(server.baseURL!, key: "demo-target-key")) { target in
            try await Restorer(store: store, client: target).run(snapshot: monday.snapshotID, options: RestoreOptions())
        }
        say("   (tts-archive restore monday --to-service-name restore_target)")
        for m in restored.models.prefix(4) {
            say("   \(m.sourceID) -> \(m.targetID ?? "-")  \(m.words) words  \(m.status.rawValue)  \(m.name ?? "")")
        }
        if restored.models.count > 4 { say("   ... and \(restored.models.count - 4) more") }
        if let v = restored.verification {
            say("   verified by reading the new instance back: \(v.models) models, \(v.words) words restored, \(v.differences.summary.total) differences")
        }

        say("""

        The archive is at \(archivePath). Try:
          tts-archive snapshots --archive \(archivePath)
          tts-archive diff monday friday --archive \(archivePath)
          tts-archive restore monday --dry-run --to-url URL --apikey KEY --archive \(archivePath)
          tts-archive drill monday --archive \(archivePath)
          tts-archive restores --archive \(archivePath)
          tts-archive show monday --model "Product names" --words --archive \(archivePath)
          tts-archive export friday --to /tmp/friday-export --archive \(archivePath)
          sqlite3 \(archivePath) "SELECT model_name, word, translation FROM latest_words LIMIT 5"
        """)
    }
}
