import Basics

/// Per-instance clock that never repeats a millisecond, so `last_modified` visibly moves on every change
/// even when a change lands in the same millisecond as the creation.
struct MonotonicClock {
    private var last: Int64 = 0
    mutating func stamp() -> String {
        last = max(Timestamp.nowMilliseconds(), last + 1)
        return Timestamp.format(milliseconds: last)
    }
}
