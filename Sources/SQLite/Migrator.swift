import CSQLite

/// Applies schema migrations in order, each in its own transaction, recorded in `schema_migrations`.
///
/// ```swift
/// let applied = try await Migrator.migrate(db, migrations: [
///     Migration(identifier: "0001_init", sql: sql, checksum: SHA256.hexDigest(Array(sql.utf8))),
/// ])
/// ```
public enum Migrator {
    private static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations(
            identifier TEXT PRIMARY KEY,
            checksum TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// Applies the not-yet-applied migrations in order, each in its own transaction, recorded in schema_migrations(identifier, checksum, applied_at);
    /// refuses a database holding an identifier this list lacks or a changed checksum. Returns the identifiers applied now.
    /// - Throws: ``MigrationError`` (nothing is changed when refusing; a failed migration is rolled back, earlier ones stay).
    public static func migrate(_ db: Database, migrations: [Migration]) async throws -> [String] {
        checkUnique(migrations)
        return try await db.exclusiveWrite { connection in
            // Validate and create the bookkeeping table in one transaction, so a refusal changes nothing.
            let pending = try inTransaction(connection) {
                let pending = try validate(connection, migrations)
                try connection.internalExecute(createTable)
                return pending
            }
            var applied: [String] = []
            for migration in pending {
                do {
                    try inTransaction(connection) {
                        try apply(migration, on: connection)
                    }
                } catch let error as SQLiteError {
                    throw MigrationError.failed(migration.identifier, error)
                }
                applied.append(migration.identifier)
            }
            return applied
        }
    }

    /// The identifiers ``migrate(_:migrations:)`` would apply now, in order.
    /// - Throws: ``MigrationError`` when the database would be refused.
    public static func pending(_ db: Database, migrations: [Migration]) async throws -> [String] {
        checkUnique(migrations)
        return try await db.read { connection in
            try validate(connection, migrations).map(\.identifier)
        }
    }

    /// Reads what is applied and checks it against the list. Works on a reader or inside a write transaction.
    private static func validate(_ connection: SQLiteConnection, _ migrations: [Migration]) throws -> [Migration] {
        let tableExists = try connection.internalQuery(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
        ).isEmpty == false
        guard tableExists else { return migrations }
        let rows = try connection.internalQuery("SELECT identifier, checksum FROM schema_migrations ORDER BY identifier")
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.identifier, $0.checksum) })
        var applied: Set<String> = []
        for row in rows {
            guard let identifier = row.string(0), let checksum = row.string(1) else {
                throw SQLiteError(extendedCode: SQLITE_CORRUPT, message: "schema_migrations holds a non-text value")
            }
            guard let expected = known[identifier] else { throw MigrationError.unknownAppliedMigration(identifier) }
            guard expected == checksum else { throw MigrationError.checksumMismatch(identifier) }
            applied.insert(identifier)
        }
        return migrations.filter { !applied.contains($0.identifier) }
    }

    private static func apply(_ migration: Migration, on connection: SQLiteConnection) throws {
        connection.policy = .migration
        defer { connection.policy = .unrestricted }
        try connection.executeScript(migration.sql)
        connection.policy = .unrestricted
        // Table rebuilds can leave dangling references that immediate checks never saw.
        let violations = try connection.internalQuery("PRAGMA foreign_key_check")
        if let first = violations.first {
            throw SQLiteError(
                extendedCode: SQLITE_CONSTRAINT | (3 << 8),  // SQLITE_CONSTRAINT_FOREIGNKEY (a macro Swift cannot import)
                message: "\(violations.count) foreign key violation(s) after migration, first in table \(first.string(0) ?? "?")")
        }
        try connection.internalExecute(
            "INSERT INTO schema_migrations(identifier, checksum, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [migration.identifier, migration.checksum])
    }

    /// BEGIN IMMEDIATE … COMMIT around `body`; on any error ROLLBACK and rethrow the first error.
    private static func inTransaction<T>(_ connection: SQLiteConnection, _ body: () throws -> T) throws -> T {
        try connection.internalExecute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try connection.internalExecute("COMMIT")
            return value
        } catch {
            if !connection.isAutocommit { try? connection.internalExecute("ROLLBACK") }
            throw error
        }
    }

    /// Two migrations with one identifier is a build mistake, not a runtime condition.
    private static func checkUnique(_ migrations: [Migration]) {
        precondition(Set(migrations.map(\.identifier)).count == migrations.count, "duplicate migration identifiers")
    }
}
