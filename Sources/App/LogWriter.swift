import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Log lines for a file descriptor (stderr), written by a queue of their own: a request never waits for a slow
/// terminal or a full pipe, and lines that arrive together cost one `write`. Bounded: while the descriptor does not
/// keep up, lines beyond `capacity` bytes are dropped and counted, and the count is written once it drains.
final class LogWriter: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var flushScheduled = false
    }

    private let descriptor: Int32
    private let capacity: Int
    /// How long lines may gather before they are written: short enough to look immediate in a terminal.
    private let gathering: DispatchTimeInterval
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "shipgate.log")

    init(descriptor: Int32 = 2, capacity: Int = 4 << 20, gathering: DispatchTimeInterval = .milliseconds(10)) {
        self.descriptor = descriptor
        self.capacity = capacity
        self.gathering = gathering
    }

    /// Queues `line` (which ends with its newline); never blocks on the descriptor.
    func append(_ line: String) {
        let schedule = state.withLock { state -> Bool in
            guard state.pending.count + line.utf8.count <= capacity else {
                state.dropped += 1
                return false
            }
            state.pending.append(contentsOf: line.utf8)
            defer { state.flushScheduled = true }
            return !state.flushScheduled
        }
        if schedule { queue.asyncAfter(deadline: .now() + gathering) { self.writePending() } }
    }

    /// Writes everything queued so far before returning (at shutdown, so the last lines are not lost).
    func flush() {
        queue.sync { writePending() }
    }

    /// Lines dropped so far because the descriptor did not keep up.
    var droppedLines: Int { state.withLock { $0.dropped } }

    private func writePending() {
        let (bytes, dropped) = state.withLock { state -> ([UInt8], Int) in
            defer {
                state.pending = []
                state.dropped = 0
                state.flushScheduled = false
            }
            return (state.pending, state.dropped)
        }
        write(bytes)
        if dropped > 0 { write(Array("[log] \(dropped) line(s) dropped: the log output did not keep up\n".utf8)) }
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // A non-blocking descriptor (some supervisors hand one over): wait here, on the log's own queue.
                    var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&waiting, 1, -1)
                    continue
                }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
