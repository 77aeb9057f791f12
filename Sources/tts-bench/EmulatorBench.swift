import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TTSAPI
import TTSEmulator

/// Times the two calls that dominate archiving and restoring: get-model of a full (20,000-word) model and
/// add-words with 20,000 entries. The emulator must never be the bottleneck of other benchmarks.
struct EmulatorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Time get-model and add-words on a 20,000-word model.",
        discussion: """
        Starts the emulator in-process on 127.0.0.1:0 (or uses --url), seeds one model, then runs
        --requests sequential requests of each kind with AsyncHTTPClient and prints median/p95 latency,
        requests/s and MB/s (response bytes for get-model, request bytes for add-words).

        EXAMPLES
          tts-bench emulator
          tts-bench emulator --requests 50 --words 20000
          tts-bench emulator --url http://127.0.0.1:9443 --apikey KEY
        """
    )

    @Option(help: "Use a running emulator (or service) instead of an in-process one.")
    var url: String?

    @Option(help: "API key for --url (basic auth apikey:KEY); omit for an open emulator.")
    var apikey: String?

    @Option(help: "Timed requests per operation.")
    var requests = 20

    @Option(help: "Entries in the model and in each add-words body.")
    var words = ServiceLimits.maxWordsPerModel

    @Option(help: "Untimed requests per operation before timing.")
    var warmup = 2

    func validate() throws {
        guard requests > 0, warmup >= 0, (1...ServiceLimits.maxWordsPerModel).contains(words) else {
            throw ValidationError("--requests must be positive and --words within 1...\(ServiceLimits.maxWordsPerModel)")
        }
    }

    func run() async throws {
        var server: EmulatorServer?
        let base: String
        var auth: String?
        let entries = try Self.lexicon(words: words)
        let body = Array(try JSONEncoder().encode(WordList(words: entries)))
        let id: String
        if let url {
            base = url.hasSuffix("/") ? String(url.dropLast()) : url
            if let apikey { auth = "Basic " + Data("apikey:\(apikey)".utf8).base64EncodedString() }
            let created = try await Self.send(.POST, base + "/v1/customizations", Array(#"{"name":"tts-bench"}"#.utf8), auth)
            guard created.status == 201,
                  let json = try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any],
                  let cid = json["customization_id"] as? String
            else { throw ValidationError("cannot create a model at \(base): HTTP \(created.status)") }
            id = cid
            let seeded = try await Self.send(.POST, "\(base)/v1/customizations/\(id)/words", body, auth)
            guard seeded.status == 200 else { throw ValidationError("seeding failed: HTTP \(seeded.status)") }
        } else {
            let s = EmulatorServer()
            id = try s.defaultInstance.importModel(
                CustomModel(customizationID: "", name: "tts-bench", language: "en-US", words: entries))
            base = try await s.start().absoluteString
            server = s
        }

        print("emulator benchmark: \(url == nil ? "in-process" : base), model of \(words) words, "
            + "\(requests) requests each, add-words body \(body.count) bytes")
        do {
            let get = try await measure(warmup: warmup, count: requests) {
                let a = try await Self.send(.GET, "\(base)/v1/customizations/\(id)", nil, auth)
                guard a.status == 200 else { throw ValidationError("get-model: HTTP \(a.status)") }
                return a.body.count
            }
            let add = try await measure(warmup: warmup, count: requests) {
                let a = try await Self.send(.POST, "\(base)/v1/customizations/\(id)/words", body, auth)
                guard a.status == 200 else { throw ValidationError("add-words: HTTP \(a.status)") }
                return body.count
            }
            print(Row.header)
            print(Row(name: "get-model (\(words) words)", timing: get).line)
            print(Row(name: "add-words (\(words) words)", timing: add).line)
            if let server {
                let s = server.stats
                let methods = s.byMethod.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print("server counted \(s.apiRequests) /v1 requests (\(methods))")
            }
        } catch {
            await server?.stop()
            throw error
        }
        await server?.stop()
        if url != nil { _ = try? await Self.send(.DELETE, "\(base)/v1/customizations/\(id)", nil, auth) }
    }

    /// The generator's realistic entries (acronyms, unicode, phoneme markup), all in one en-US model.
    static func lexicon(words: Int) throws -> [WordEntry] {
        let scratch = ServiceInstance()
        let ids = try scratch.generate(GeneratorSpec(models: 1, words: words, seed: 2026, languages: ["en-US"]))
        return try scratch.words(id: ids[0])
    }

    struct Timing {
        var seconds: [Double]
        var bytes: Int
    }

    func measure(warmup: Int, count: Int, _ op: () async throws -> Int) async throws -> Timing {
        for _ in 0..<warmup { _ = try await op() }
        var t = Timing(seconds: [], bytes: 0)
        for _ in 0..<count {
            let start = ContinuousClock.now
            t.bytes += try await op()
            let d = ContinuousClock.now - start
            t.seconds.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        return t
    }

    struct Row {
        var name: String
        var timing: Timing
        static let header = "operation                     median ms    p95 ms    req/s     MB/s"

        var line: String {
            let sorted = timing.seconds.sorted()
            let median = sorted[sorted.count / 2] * 1000
            let p95 = sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1))] * 1000
            let total = timing.seconds.reduce(0, +)
            let rps = Double(sorted.count) / total
            let mbps = Double(timing.bytes) / total / 1_000_000
            return name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: "%11.1f %9.1f %8.1f %8.1f", median, p95, rps, mbps)
        }
    }

    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    static func send(_ method: HTTPMethod, _ url: String, _ body: [UInt8]?, _ auth: String?) async throws -> Answer {
        var r = HTTPClientRequest(url: url)
        r.method = method
        if let auth { r.headers.add(name: "Authorization", value: auth) }
        if let body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(r, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        return Answer(status: Int(response.status.code),
                      body: buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
    }
}
