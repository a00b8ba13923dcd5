#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds on CLOCK_MONOTONIC: cheap to read on every loop turn and immune to wall-clock jumps.
struct MonotonicTime: Comparable {
    var nanoseconds: UInt64

    static func now() -> MonotonicTime {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicTime(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    static func < (lhs: MonotonicTime, rhs: MonotonicTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    static func + (lhs: MonotonicTime, rhs: Duration) -> MonotonicTime {
        MonotonicTime(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    /// Milliseconds from `self` until `later`, rounded up, 0 if already passed.
    func milliseconds(until later: MonotonicTime) -> Int {
        guard later.nanoseconds > nanoseconds else { return 0 }
        return Int((later.nanoseconds - nanoseconds + 999_999) / 1_000_000)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped at zero (negative limits mean "immediately").
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
