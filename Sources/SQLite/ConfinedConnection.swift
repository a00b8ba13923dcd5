import Dispatch

/// A connection together with the serial queue that alone may touch it.
///
/// `@unchecked Sendable` is safe because `connection` is only ever used inside blocks submitted to
/// `queue` (a serial DispatchQueue) or, for a reader, by the single caller the `ReaderPool` lent it to
/// until that caller releases it; so at most one thread uses it at a time, as `SQLITE_OPEN_NOMUTEX`
/// requires. The remaining stored properties are immutable. `deinit` may run elsewhere, but only
/// after the last reference is gone, so no queue block can still be using the connection.
final class ConfinedConnection: @unchecked Sendable {
    let queue: DispatchQueue
    let connection: SQLiteConnection

    init(connection: SQLiteConnection, label: String) {
        self.connection = connection
        // A dedicated queue, not the Swift cooperative pool: sqlite3_step, busy waits and fsync block.
        self.queue = DispatchQueue(label: label, qos: .userInitiated)
    }
}
