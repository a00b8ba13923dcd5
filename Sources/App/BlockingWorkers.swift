import Foundation
import Synchronization

/// A fixed set of dedicated threads for CPU-heavy blocking work (scrypt): it never occupies the
/// cooperative pool or the dispatch pool that the database queues run on, and at most `count`
/// jobs run at once however many requests ask.
final class BlockingWorkers: Sendable {
    private let condition = NSCondition()
    private let jobs = Mutex<[@Sendable () -> Void]>([])

    init(count: Int, name: String) {
        for index in 0..<count {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on a worker thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            jobs.withLock { $0.append { continuation.resume(with: Result { try body() }) } }
            condition.signal()
            condition.unlock()
        }
    }

    private func work() {
        while true {
            condition.lock()
            var job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            while job == nil {
                condition.wait()
                job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            }
            condition.unlock()
            job?()
        }
    }
}
