import Dispatch
import Foundation

/// A part of one model's output: a run of its word changes, with the model's opening when the run starts at its
/// first change and its closing when it ends at its last (a model with no word changes is one piece, both).
public struct ModelPiece: Sendable, Equatable {
    /// Index in the diff's models.
    public var model: Int
    public var words: Range<Int>
    public var opens: Bool { words.lowerBound == 0 }
    public func closes(_ m: ModelDiff) -> Bool { words.upperBound == m.words.count }
}

/// Renders the models of a diff in chunks of about the same number of word changes and hands their bytes over
/// in order. A long-range diff prints megabytes: chunks of a large diff are rendered concurrently (the text of a
/// word change depends only on its model and position), a large model's changes cut into several chunks. Each
/// chunk is written as soon as it and all before it are rendered, by whichever thread finished the last of them,
/// while the others go on rendering; a written chunk's buffer is used again, so the whole text never sits in
/// memory.
public enum ModelChunks {
    /// Below this many word changes one thread is faster than several.
    static let parallelWords = 20_000
    /// Word changes per chunk: ~100 KB of JSON. Chunks of whole models were uneven (a removed model of 10,000
    /// words was one), so threads waited for the largest, and its buffer was megabytes of fresh pages.
    static let chunkWords = 1_000

    /// Calls `render` for each piece of each chunk with the chunk's buffer to append to, then `sink` with the
    /// chunk's bytes, in order. `bytesPerWord` sizes a new buffer.
    public static func stream(_ models: [ModelDiff], bytesPerWord: Int, _ render: @Sendable (ModelPiece, inout [UInt8]) -> Void,
                              to sink: ([UInt8]) -> Void) {
        let all = chunks(models)
        let words = models.reduce(0) { $0 + $1.words.count }
        let capacity = 4096 + bytesPerWord * chunkWords
        guard words >= parallelWords, ProcessInfo.processInfo.activeProcessorCount > 1, all.count > 1 else {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(capacity)
            for chunk in all {
                buffer.removeAll(keepingCapacity: true)
                for piece in chunk { render(piece, &buffer) }
                sink(buffer)
            }
            return
        }
        withoutActuallyEscaping(sink) { sink in
            let output = OrderedOutput(sink, capacity: capacity)
            DispatchQueue.concurrentPerform(iterations: all.count) { i in
                var buffer = output.buffer()
                for piece in all[i] { render(piece, &buffer) }
                output.finished(i, buffer)
            }
        }
    }

    /// The pieces of `models` in order, cut into chunks of `chunkWords` word changes (a model with none counts one).
    static func chunks(_ models: [ModelDiff]) -> [[ModelPiece]] {
        var out: [[ModelPiece]] = [], current: [ModelPiece] = []
        var room = chunkWords
        func take(_ piece: ModelPiece, _ weight: Int) {
            current.append(piece)
            room -= weight
            if room <= 0 {
                out.append(current)
                current = []
                room = chunkWords
            }
        }
        for (i, m) in models.enumerated() {
            let n = m.words.count
            if n == 0 { take(ModelPiece(model: i, words: 0..<0), 1) }
            var start = 0
            while start < n {
                let end = min(n, start + room)
                take(ModelPiece(model: i, words: start..<end), end - start)
                start = end
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

/// Chunks rendered on several threads, written in order: the thread that hands over the next chunk to write
/// writes it, and any that follow it and are ready, outside the lock, while the other threads render on.
private final class OrderedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private let sink: ([UInt8]) -> Void
    private let capacity: Int
    private var ready: [Int: [UInt8]] = [:]
    private var next = 0
    private var writing = false
    private var spare: [[UInt8]] = []

    init(_ sink: @escaping ([UInt8]) -> Void, capacity: Int) {
        self.sink = sink
        self.capacity = capacity
    }

    /// An empty buffer: one already written, or a new one.
    func buffer() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        if let b = spare.popLast() { return b }
        var b: [UInt8] = []
        b.reserveCapacity(capacity)
        return b
    }

    func finished(_ i: Int, _ bytes: [UInt8]) {
        lock.lock()
        ready[i] = bytes
        guard !writing else { return lock.unlock() }
        writing = true
        while var b = ready.removeValue(forKey: next) {
            next += 1
            lock.unlock()
            sink(b)
            b.removeAll(keepingCapacity: true)
            lock.lock()
            spare.append(b)
        }
        writing = false
        lock.unlock()
    }
}
