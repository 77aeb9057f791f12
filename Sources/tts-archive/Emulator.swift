import ArgumentParser
import Foundation
import TTSEmulator

/// `tts-archive emulator`: the stand-in service for first runs, tests, the demo and benchmarks.
struct Emulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local emulator of the Watson Text to Speech customization API.",
        discussion: """
        Serves /v1/customizations... as IBM's service does (status codes, error bodies, word order, limits), so IBM's SDKs and tts-archive cannot tell it from the real service. Models live in memory only. The first line printed on standard output is the URL it listens on; it runs until SIGINT or SIGTERM.

        Without --apikey it accepts requests without credentials, as one service instance (the SDKs' AUTH_TYPE=noAuth). Each --apikey KEY is its own service instance with its own models, reachable with IAM (POST /identity/token on the same port: set the SDK's AUTH_URL to the emulator's URL), basic auth (apikey:KEY) or the bearer tokens it issued. --seed-dir and --generate fill the first key's instance. --generate's words= is the total over all models.

        Control endpoints, never under /v1: GET /_emulator/stats, POST /_emulator/churn, POST /_emulator/generate, GET|POST|DELETE /_emulator/faults. With keys, churn and generate act on the instance named by the request's own credentials (e.g. curl -u apikey:KEY). Faults and counters are server-wide and count /v1 requests only.

        EXAMPLES
          tts-archive emulator --port 0
          tts-archive emulator --apikey source-key --apikey target-key \\
              --generate models=100,words=20000,seed=7
          tts-archive emulator --seed-dir ./backup \\
              --fault-rate 429=0.05,503=0.05,drop=0.02 --fault-seed 1
          tts-archive emulator --port 0 --fail-request 3=503 \\
              --fail-next 2:PUT:/v1/customizations:429 --retry-after 0
          curl -u apikey:source-key -d '{"seed":2,"spec":"night"}' \\
              http://127.0.0.1:9443/_emulator/churn

        \(ExitStatus.helpSection(.success, .failure, .usage))
        """
    )

    @Option(help: "Address to listen on. Anything but loopback exposes an unauthenticated test service.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free port (see the first line of output).")
    var port = 9443

    @Option(name: .customLong("apikey"), help: ArgumentHelp("API key of one service instance (repeatable). None: no authentication.", valueName: "KEY"))
    var apiKeys: [String] = []

    @Option(help: "Lifetime in seconds of the IAM/CP4D tokens it issues.")
    var tokenLifetime = 3600

    @Option(help: ArgumentHelp("Load every *.json file (GET /v1/customizations/{id} format) of this directory.", valueName: "DIR"))
    var seedDir: String?

    @Option(help: ArgumentHelp("Generate models: models=N,words=TOTAL,seed=S[,languages=en-US+ja-JP].", valueName: "SPEC"))
    var generate: String?

    @Option(help: ArgumentHelp("Comma-separated languages models may use (default: the SDK's 13 plus ko-KR).", valueName: "LIST"))
    var languages: String?

    @Flag(help: "Reject model names with \\ / : = & ? (the documented naming rules).")
    var strictNames = false

    @Option(help: ArgumentHelp("Random faults per /v1 request, e.g. 429=0.05,503=0.05,500=0.01,drop=0.02.", valueName: "RATES"))
    var faultRate: String?

    @Option(help: "Latency added to every /v1 request, in milliseconds.")
    var latencyMs = 0

    @Option(help: "Seed of the random faults (same seed, same faults).")
    var faultSeed: UInt64 = 0

    @Option(help: "Retry-After seconds sent with injected 429 and 503.")
    var retryAfter = 1

    @Option(help: ArgumentHelp("Fail /v1 request number N with a 500 (repeatable; N or N=STATUS|drop).", valueName: "N"))
    var failRequest: [String] = []

    @Option(help: ArgumentHelp("Fail the next COUNT /v1 requests matching METHOD (* = any) and a raw path prefix, with a 500 or FAULT (repeatable).", valueName: "COUNT:METHOD:PATH[:FAULT]"))
    var failNext: [String] = []

    @Flag(help: "Log one line per request to standard error (never credentials).")
    var logRequests = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0...65535") }
        guard tokenLifetime >= 0, latencyMs >= 0, retryAfter >= 0 else {
            throw ValidationError("--token-lifetime, --latency-ms and --retry-after must not be negative")
        }
        if apiKeys.contains(where: \.isEmpty) { throw ValidationError("--apikey must not be empty") }
    }

    /// `3:PUT:/v1/customizations` or `1:*:/v1/:drop`.
    static func parseFailNext(_ spec: String) throws -> FaultRule {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (3...4).contains(parts.count), let count = Int(parts[0]), count > 0, parts[2].hasPrefix("/"),
              let fault = parts.count == 4 ? Fault(parts[3]) : .status(500)
        else { throw EmulatorConfigurationError("invalid --fail-next '\(spec)': use COUNT:METHOD:PATH[:STATUS|drop]") }
        return FaultRule(method: parts[1] == "*" ? nil : parts[1], pathPrefix: parts[2], remaining: count, fault: fault)
    }

    func run() async throws {
        var faults = FaultPlan(latencyMilliseconds: latencyMs, retryAfterSeconds: retryAfter, seed: faultSeed)
        var rules = ServiceRules(strictNames: strictNames)
        let generatorSpec: GeneratorSpec?
        var pinned: [(Int, Fault)] = []
        var targeted: [FaultRule] = []
        do {
            if let faultRate { try faults.setRates(faultRate) }
            if let languages { rules.languages = Set(languages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            generatorSpec = try generate.map { try GeneratorSpec(parsing: $0) }
            for spec in failRequest {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard let n = Int(parts[0]), n > 0, let fault = parts.count > 1 ? Fault(parts[1]) : .status(500) else {
                    throw EmulatorConfigurationError("invalid --fail-request '\(spec)': use N or N=STATUS|drop")
                }
                pinned.append((n, fault))
            }
            for spec in failNext { targeted.append(try Self.parseFailNext(spec)) }
        } catch let e as EmulatorConfigurationError {
            throw ValidationError(e.description)
        }

        let server = EmulatorServer(configuration: EmulatorConfiguration(
            host: host, port: port, apiKeys: apiKeys, tokenLifetime: tokenLifetime, rules: rules, faults: faults,
            logRequests: logRequests, handlesSignals: true))
        for (n, fault) in pinned { server.faults.failRequest(number: n, with: fault) }
        for rule in targeted { server.faults.addRule(rule) }
        do {
            if let seedDir { try server.seed(from: URL(fileURLWithPath: seedDir, isDirectory: true)) }
            if let generatorSpec { try server.generate(generatorSpec) }
        } catch {
            Output.stderr("tts-archive emulator: \(error)")
            throw ExitStatus.failure.exitCode
        }
        if !EmulatorConfiguration(host: host).isLoopback {
            Output.stderr("tts-archive emulator: warning: listening on \(host), beyond loopback")
        }
        let url: URL
        do {
            url = try await server.start()
        } catch {
            Output.stderr("tts-archive emulator: cannot listen on \(host):\(port): \(error)")
            throw ExitStatus.failure.exitCode
        }
        // Unbuffered write: whoever started us reads this first line to find the port.
        print(url.absoluteString)
        fflush(nil)  // the URL line must reach a pipe before the server starts serving
        let counts = server.defaultInstance.counts
        Output.stderr("tts-archive emulator: \(apiKeys.isEmpty ? "no authentication" : "\(apiKeys.count) API key(s)"), \(counts.models) model(s), \(counts.words) word(s) loaded; Ctrl-C stops")
        try await server.waitUntilStopped()
    }
}
