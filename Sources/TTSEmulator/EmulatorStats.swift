import Foundation

/// Request counters, for benchmarks and `GET /_emulator/stats`.
public struct EmulatorStats: Sendable, Codable, Equatable {
    /// Every request answered (or dropped), admin and token calls included.
    public var totalRequests: Int
    /// Requests under `/v1` (the ones fault numbering counts).
    public var apiRequests: Int
    public var byMethod: [String: Int]
    public var byStatus: [String: Int]
    public var injectedFaults: Int
    public var bytesReceived: Int
    public var bytesSent: Int

    enum CodingKeys: String, CodingKey {
        case totalRequests = "total_requests", apiRequests = "api_requests", byMethod = "by_method"
        case byStatus = "by_status", injectedFaults = "injected_faults", bytesReceived = "bytes_received"
        case bytesSent = "bytes_sent"
    }
}

final class StatsRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stats = EmulatorStats(totalRequests: 0, apiRequests: 0, byMethod: [:], byStatus: [:],
                                      injectedFaults: 0, bytesReceived: 0, bytesSent: 0)

    func record(method: String, status: Int?, api: Bool, fault: Bool, received: Int, sent: Int) {
        lock.withLock {
            stats.totalRequests += 1
            if api { stats.apiRequests += 1 }
            stats.byMethod[method, default: 0] += 1
            stats.byStatus[status.map(String.init) ?? "dropped", default: 0] += 1
            if fault { stats.injectedFaults += 1 }
            stats.bytesReceived += received
            stats.bytesSent += sent
        }
    }

    var snapshot: EmulatorStats { lock.withLock { stats } }
}
