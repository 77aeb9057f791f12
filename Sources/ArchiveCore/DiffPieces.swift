// Step 4 of the diff pipeline (rendered); the whole pipeline is drawn at the top of SnapshotDiff.swift.

import Dispatch
import Foundation

/// A span of one model's output: some of its word changes, with the model's opening when the span starts at its
/// first change and its closing when it ends at its last (a model with no word changes is one span, both).
public struct ModelSpan: Sendable, Equatable {
    /// Index in the diff's models.
    public var model: Int
    public var words: Range<Int>
    public var opens: Bool { words.lowerBound == 0 }
    public func closes(_ m: ModelDiff) -> Bool { words.upperBound == m.words.count }
}

/// Renders the models of a diff in pieces of about the same number of word changes and hands their bytes over
/// in order. A long-range diff prints megabytes: the pieces of a large diff are rendered concurrently (the text
/// of a word change depends only on its model and position), a large model's changes cut across several pieces.
/// Each piece is written as soon as it and all before it are rendered, by whichever thread finished the last of
/// them, while the others go on rendering; a written piece's buffer is used again, so the whole text never sits
/// in memory.
public enum DiffPieces {
    /// Below this many word changes one thread is faster than several.
    static let parallelWords = 20_000
    /// Word changes per piece: ~100 KB of JSON. Pieces of whole models were uneven (a removed model of 10,000
    /// words was one), so threads waited for the largest, and its buffer was megabytes of fresh pages.
    static let pieceWords = 1_000

    /// Calls `render` for each span of each piece with the piece's buffer to append to, then `sink` with the
    /// piece's bytes, in order. `bytesPerWord` sizes a new buffer.
    public static func stream(_ models: [ModelDiff], bytesPerWord: Int, _ render: @Sendable (ModelSpan, inout [UInt8]) -> Void,
                              to sink: ([UInt8]) -> Void) {
        let all = pieces(models)
        let words = models.reduce(0) { $0 + $1.words.count }
        let capacity = 4096 + bytesPerWord * pieceWords
        guard words >= parallelWords, ProcessInfo.processInfo.activeProcessorCount > 1, all.count > 1 else {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(capacity)
            for piece in all {
                buffer.removeAll(keepingCapacity: true)
                for span in piece { render(span, &buffer) }
                sink(buffer)
            }
            return
        }
        withoutActuallyEscaping(sink) { sink in
            let output = OrderedOutput(sink, capacity: capacity)
            DispatchQueue.concurrentPerform(iterations: all.count) { i in
                var buffer = output.buffer()
                for span in all[i] { render(span, &buffer) }
                output.finished(i, buffer)
            }
        }
    }

    /// The spans of `models` in order, cut into pieces of `pieceWords` word changes (a model with none counts one).
    static func pieces(_ models: [ModelDiff]) -> [[ModelSpan]] {
        var out: [[ModelSpan]] = [], current: [ModelSpan] = []
        var room = pieceWords
        func take(_ span: ModelSpan, _ weight: Int) {
            current.append(span)
            room -= weight
            if room <= 0 {
                out.append(current)
                current = []
                room = pieceWords
            }
        }
        for (i, m) in models.enumerated() {
            let n = m.words.count
            if n == 0 { take(ModelSpan(model: i, words: 0..<0), 1) }
            var start = 0
            while start < n {
                let end = min(n, start + room)
                take(ModelSpan(model: i, words: start..<end), end - start)
                start = end
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

/// Pieces rendered on several threads, written in order: the thread that hands over the next piece to write
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
