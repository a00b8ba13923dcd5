import Dispatch
import Synchronization

/// Copies WAL frames back into the database file on a connection of its own, beside the writer.
///
/// A checkpoint writes every page the WAL holds into the database file and fsyncs it: tens of milliseconds that the
/// writer would otherwise spend with every caller of the next group waiting. The writer starts one here each time
/// `chunk` more frames were committed since the last copy, and keeps committing while it runs. The WAL can only
/// restart from its beginning once every frame was copied back and the writer starts its next transaction, so the
/// writer itself copies what is left when the WAL reaches its limit (see ``Writer``).
final class Checkpointer: Sendable {
    private struct State {
        var running = false
        /// Frames of the current WAL already copied back, as the last checkpoint reported.
        var copied: Int32 = 0
        var closed = false
    }

    private let confined: ConfinedConnection
    private let state = Mutex(State())

    init(connection: SQLiteConnection, label: String) {
        self.confined = ConfinedConnection(connection: connection, label: label)
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
        confined.queue.async {
            // A failure (a full disk, an I/O error) leaves the frames in the WAL, where reads still find them.
            let copied = try? self.confined.connection.checkpointPassive().copied
            self.state.withLock { state in
                state.running = false
                if let copied { state.copied = copied }
            }
        }
    }

    /// Returns once the checkpoint in progress, if any, has finished.
    func waitForRunning() {
        confined.queue.sync {}
    }

    /// Waits for the checkpoint in progress and closes the connection; later ``start()`` calls do nothing.
    func close() {
        state.withLock { $0.closed = true }
        confined.queue.sync { confined.connection.close() }
    }
}
