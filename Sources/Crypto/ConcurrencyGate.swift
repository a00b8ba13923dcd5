import Dispatch

/// A counting semaphore bounding how many memory-hungry operations run at once.
/// Plainly `Sendable`: its only state is a `DispatchSemaphore`, which is itself thread-safe and Sendable.
package final class ConcurrencyGate: Sendable {
    private let semaphore: DispatchSemaphore

    /// Allows `limit` holders at a time.
    package init(limit: Int) {
        precondition(limit >= 1)
        semaphore = DispatchSemaphore(value: limit)
    }

    /// Runs `body` while holding one permit, blocking the calling thread until one is free.
    package func withPermit<T>(_ body: () throws -> T) rethrows -> T {
        semaphore.wait()
        defer { semaphore.signal() }
        return try body()
    }
}
