import Dispatch
import Foundation

/// Renders the models of a diff concurrently, in contiguous chunks of about equal word counts: the text of
/// a model depends on nothing else, and a long-range diff prints tens of megabytes. Small diffs render on
/// the calling thread. The chunks come back in model order.
public enum ModelChunks {
    /// Below this many word changes one thread is faster than several.
    static let parallelWords = 20_000

    public static func render(_ models: [ModelDiff], _ body: @Sendable (ArraySlice<ModelDiff>) -> [UInt8]) -> [[UInt8]] {
        let words = models.reduce(0) { $0 + $1.words.count }
        guard words >= parallelWords, models.count > 1 else { return [body(models[...])] }
        // Twice as many chunks as cores, so one large model does not leave the other cores idle.
        let target = max(1, words / (2 * ProcessInfo.processInfo.activeProcessorCount))
        var bounds: [Range<Int>] = []
        var start = 0, sum = 0
        for (i, m) in models.enumerated() {
            sum += m.words.count + 1
            if sum >= target { bounds.append(start..<(i + 1)); start = i + 1; sum = 0 }
        }
        if start < models.count { bounds.append(start..<models.count) }
        let ranges = bounds
        let out = Slots<[UInt8]>(count: ranges.count)
        DispatchQueue.concurrentPerform(iterations: ranges.count) { i in
            out.set(i, body(models[ranges[i]]))
        }
        return out.values()
    }
}

/// One value per concurrent job: each index is written by exactly one job and read after all have finished.
final class Slots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    func set(_ i: Int, _ value: Value) { storage[i] = value }
    func values() -> [Value] { storage.map { $0! } }
}
