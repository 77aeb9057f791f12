/// How to run an emulator. The defaults are what tests want: loopback, a free port, no auth, no faults.
public struct EmulatorConfiguration: Sendable {
    /// Loopback unless told otherwise: the emulator has no real security.
    public var host: String
    /// 0 picks a free port (see ``EmulatorServer/start()``'s answer).
    public var port: Int
    /// Each key is one service instance; none means one open instance (`noAuth`).
    public var apiKeys: [String]
    /// Lifetime of issued IAM/CP4D tokens in seconds (IAM: 3600). 0 issues already-expired tokens.
    public var tokenLifetime: Int
    public var rules: ServiceRules
    public var faults: FaultPlan
    /// One line per request on stderr (method, path, status, time; never credentials).
    public var logRequests: Bool
    /// Stop on SIGINT/SIGTERM (the CLI); off in-process so tests never take over signals.
    public var handlesSignals: Bool

    public init(host: String = "127.0.0.1", port: Int = 0, apiKeys: [String] = [], tokenLifetime: Int = 3600,
                rules: ServiceRules = ServiceRules(), faults: FaultPlan = .none, logRequests: Bool = false,
                handlesSignals: Bool = false) {
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.tokenLifetime = tokenLifetime
        self.rules = rules
        self.faults = faults
        self.logRequests = logRequests
        self.handlesSignals = handlesSignals
    }

    public var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }
}
