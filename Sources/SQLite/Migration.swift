/// One schema migration: an identifier (e.g. the file name without `.sql`), its SQL and the caller's checksum of it.
public struct Migration: Sendable {
    /// Stable identifier recorded in `schema_migrations`; never rename a shipped migration.
    public let identifier: String
    /// The SQL script (may hold several statements; no BEGIN/COMMIT, the migrator owns the transaction).
    public let sql: String
    /// The caller's checksum of `sql` (e.g. SHA-256 hex); compared as a string only.
    public let checksum: String

    /// Creates a migration.
    public init(identifier: String, sql: String, checksum: String) {
        self.identifier = identifier
        self.sql = sql
        self.checksum = checksum
    }
}

/// Why ``Migrator`` refused or failed.
public enum MigrationError: Error, Sendable {
    /// The database has applied a migration this list does not contain (a downgrade or a foreign database).
    case unknownAppliedMigration(String)
    /// An applied migration's recorded checksum differs from the given one (a shipped migration was edited).
    case checksumMismatch(String)
    /// The migration with this identifier failed and was rolled back; the error is the first one raised.
    case failed(String, SQLiteError)
}
