import Dispatch

/// `body(0..<count)` run at once on the cores, the results in index order.
func concurrentMap<T>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    // One slot per index, written by the one job that computed it, read once every job has returned.
    nonisolated(unsafe) let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil)
    defer {
        slots.deinitialize()
        slots.deallocate()
    }
    DispatchQueue.concurrentPerform(iterations: count) { i in slots[i] = body(i) }
    return slots.map { $0! }
}
