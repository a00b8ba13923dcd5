import CPosix
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Copies WAL frames back into the database file on a connection and a thread of its own, beside the writer.
///
/// A checkpoint writes every page the WAL holds into the database file and fsyncs it: tens of milliseconds that the
/// writer would otherwise spend with every caller of the next group waiting. The writer starts one here each time
/// `checkpointFrames` more frames were committed since the last copy, and keeps committing while it runs. The WAL can
/// only restart from its beginning once every frame was copied back and the writer starts its next transaction, so the
/// writer itself copies what is left when the WAL reaches its limit (see ``Writer``).
///
/// The thread runs at a lower priority (nice 5): copying can wait for a core that requests and the writer leave free,
/// and the writer never waits for it before the WAL's limit. It runs until ``close()``, which the writer's close calls.
final class Checkpointer: Sendable {
    private struct State {
        var running = false
        /// Frames of the current WAL already copied back, as the last checkpoint reported.
        var copied: Int32 = 0
        var closed = false
    }

    /// Only used on the checkpointer's thread, and by `close()` once that thread has ended.
    private nonisolated(unsafe) let connection: SQLiteConnection
    private let state = Mutex(State())
    /// Signalled for each requested checkpoint and once at close.
    private let wakeup = DispatchSemaphore(value: 0)
    /// Entered while a checkpoint is requested or running.
    private let inFlight = DispatchGroup()
    private let exited = DispatchSemaphore(value: 0)

    init(connection: SQLiteConnection, name: String) {
        self.connection = connection
        startThread(name: name)
    }

    /// Frames already copied back of a WAL that now holds `frames` (0 after the WAL restarted).
    func copied(of frames: Int32) -> Int32 {
        let copied = state.withLock { $0.copied }
        return copied <= frames ? copied : 0
    }

    /// Starts a passive checkpoint unless one is running or the checkpointer was closed; never waits.
    func start() {
        let start = state.withLock { state -> Bool in
            guard !state.running, !state.closed else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        inFlight.enter()
        wakeup.signal()
    }

    /// Returns once the checkpoint in progress, if any, has finished.
    func waitForRunning() {
        inFlight.wait()
    }

    /// Waits for the checkpoint in progress, ends the thread and closes the connection; later ``start()`` calls do nothing.
    func close() {
        let first = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        inFlight.wait()
        wakeup.signal()
        exited.wait()
        connection.close()
    }

    private func run() {
        // Linux sets nice per thread; raising it needs no privilege.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
        while true {
            wakeup.wait()
            if state.withLock({ $0.closed && !$0.running }) { break }
            // A failure (a full disk, an I/O error) leaves the frames in the WAL, where reads still find them.
            let copied = try? connection.checkpointPassive().copied
            state.withLock { state in
                state.running = false
                if let copied { state.copied = copied }
            }
            inFlight.leave()
        }
        exited.signal()
    }

    private func startThread(name: String) {
        let context = Unmanaged.passRetained(ThreadStart(name: name) { [self] in run() }).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
            _ = cposix_set_thread_name(start.name)
            start.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}

/// What a new thread runs, handed over to it.
private final class ThreadStart {
    let name: String
    let body: () -> Void

    init(name: String, body: @escaping () -> Void) {
        self.name = name
        self.body = body
    }
}
