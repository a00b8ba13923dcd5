import CSQLite

/// A prepared statement owned by one ``SQLiteConnection`` (never shared, never Sendable).
final class Statement {
    private(set) var handle: OpaquePointer?
    let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    /// Finalizes once; later calls are no-ops.
    func finalize() {
        if let handle {
            // "Invoking sqlite3_finalize() on a NULL pointer is a harmless no-op" — we still avoid double finalize.
            sqlite3_finalize(handle)
            self.handle = nil
        }
    }

    deinit { finalize() }
}

@available(*, unavailable)
extension Statement: Sendable {}
