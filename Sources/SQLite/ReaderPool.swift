import Synchronization

/// Read-only connections, each confined to its own serial queue, lent out one caller at a time.
final class ReaderPool: Sendable {
    private struct State {
        var available: [Int]
        var waiters: [CheckedContinuation<Int?, Never>] = []
        var closed = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let readers: [ConfinedConnection]
    private let state: Mutex<State>

    init(readers: [ConfinedConnection]) {
        self.readers = readers
        self.state = Mutex(State(available: Array(readers.indices)))
    }

    /// A free reader without waiting, or nil when all are lent out; throws once the pool is closed.
    func tryAcquire() throws -> Int? {
        let index: Int?? = state.withLock { state in state.closed ? .none : .some(state.available.popLast()) }
        guard let index else { throw SQLiteError.databaseClosed() }
        return index
    }

    /// Waits for a free reader; throws once the pool is closed.
    func acquire() async throws -> Int {
        let index = await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
            let immediate: Int?? = state.withLock { state in
                if state.closed { return .some(nil) }
                if let index = state.available.popLast() { return .some(index) }
                state.waiters.append(continuation)
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        guard let index else { throw SQLiteError.databaseClosed() }
        return index
    }

    /// Returns a reader: hands it to the oldest waiter, or back to the free list.
    func release(_ index: Int) {
        let (waiter, closeWaiters) = state.withLock { state -> (CheckedContinuation<Int?, Never>?, [CheckedContinuation<Void, Never>]) in
            if !state.closed, !state.waiters.isEmpty { return (state.waiters.removeFirst(), []) }
            state.available.append(index)
            guard state.closed, state.available.count == readers.count else { return (nil, []) }
            defer { state.closeWaiters = [] }
            return (nil, state.closeWaiters)
        }
        waiter?.resume(returning: index)
        for closeWaiter in closeWaiters { closeWaiter.resume() }
    }

    /// Refuses new reads, fails waiting ones, waits for reads in flight, then closes every connection.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (waiters, done) = state.withLock { state -> ([CheckedContinuation<Int?, Never>], Bool) in
                let waiters = state.waiters
                state.waiters = []
                state.closed = true
                if state.available.count == readers.count { return (waiters, true) }
                state.closeWaiters.append(continuation)
                return (waiters, false)
            }
            for waiter in waiters { waiter.resume(returning: nil) }
            if done { continuation.resume() }
        }
        for reader in readers {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                reader.queue.async {
                    reader.connection.close()
                    done.resume()
                }
            }
        }
    }
}
