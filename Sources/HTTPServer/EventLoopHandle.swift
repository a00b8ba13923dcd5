import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A message from another thread to the event loop.
enum LoopMessage: Sendable {
    /// A serialized response for connection `id` (on descriptor `fd`).
    case response(fd: Int32, id: UInt64, bytes: [UInt8], keepAlive: Bool)
    /// Begin graceful shutdown.
    case shutdown
}

/// The thread-safe face of an `EventLoop`: a mailbox drained by the loop thread and woken
/// through an eventfd, plus counters and the stop signal. Everything else about the loop
/// is confined to its thread.
final class EventLoopHandle: Sendable {
    private struct Mailbox {
        var messages: [LoopMessage] = []
        /// An eventfd write is outstanding; coalesces wake-ups when responses arrive in bursts.
        var wakePending = false
        /// Set once the loop has stopped; later posts are dropped.
        var closed = false
    }

    private struct StopState {
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let mailbox = Mutex(Mailbox())
    /// Owned by the handle and closed only in `deinit`: a poster holds the handle while it writes, so the
    /// write happens outside the lock yet can never reach a closed (or reused) descriptor.
    private let wakeFD: Int32
    private let stopState = Mutex(StopState())
    /// Set once shutdown begins; responder tasks then serialize `Connection: close`.
    let isDraining = Atomic<Bool>(false)
    /// Open client connections, for `HTTPServer.openConnections`.
    let openConnections = Atomic<Int>(0)
    /// Responses the loop sent itself, for `HTTPServer.immediateAnswers`.
    let immediateAnswers = Atomic<Int>(0)
    /// The shared `Date` header cache.
    let dateCache = DateCache()

    init(wakeFD: Int32) {
        self.wakeFD = wakeFD
    }

    deinit { closeFileDescriptor(wakeFD) }

    /// Queues a message and wakes the loop; dropped if the loop has already stopped.
    func post(_ message: LoopMessage) {
        let wake = mailbox.withLock { box -> Bool in
            guard !box.closed else { return false }
            box.messages.append(message)
            guard !box.wakePending else { return false }
            box.wakePending = true
            return true
        }
        guard wake else { return }
        // Outside the lock, so posters and the loop do not queue behind a system call. A write that lands
        // after the loop already took the messages only causes one spurious wake-up.
        var one: UInt64 = 1
        // EAGAIN would mean the 2^64-2 counter is full, i.e. the loop already has a wake-up pending.
        _ = try? syscall("write(eventfd)") { Glibc.write(wakeFD, &one, 8) }
    }

    /// Loop thread: swaps the queued messages into `messages` (which must be empty).
    func takeMessages(into messages: inout [LoopMessage]) {
        mailbox.withLock { box in
            swap(&box.messages, &messages)
            box.wakePending = false
        }
    }

    /// Loop thread, at stop: later posts are dropped (the eventfd itself closes with the handle).
    func closeMailbox() {
        mailbox.withLock { box in
            box.closed = true
            box.messages.removeAll()
        }
    }

    /// Loop thread, last act: wakes everyone waiting in `waitUntilStopped`.
    func markStopped() {
        let waiters = stopState.withLock { state in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the loop thread has closed everything.
    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyStopped = stopState.withLock { state in
                if state.stopped { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyStopped { continuation.resume() }
        }
    }
}
