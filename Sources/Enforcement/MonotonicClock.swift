import Glibc

/// CLOCK_MONOTONIC in nanoseconds: a vDSO call, no system call, cheap enough to read once per ring event
/// (Swift's clocks give a `Duration`, whose 128-bit arithmetic the per-event path does not need).
public enum MonotonicClock {
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
