import CSQLite
import Testing

@testable import SQLite

@Suite struct MigratorTests {
    static let first = Migration(identifier: "0001_users", sql: "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);", checksum: "c1")
    static let second = Migration(
        identifier: "0002_tokens",
        sql: """
            CREATE TABLE tokens(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));
            CREATE INDEX tokens_user ON tokens(user_id);
            """,
        checksum: "c2")

    private func appliedIdentifiers(_ db: Database) async throws -> [String] {
        try await db.read { conn in
            try conn.query("SELECT identifier FROM schema_migrations ORDER BY identifier").compactMap { $0.string(0) }
        }
    }

    private func tableNames(_ db: Database) async throws -> [String] {
        try await db.read { conn in
            try conn.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").compactMap { $0.string(0) }
        }
    }

    @Test func appliesAllMigrationsToAFreshDatabase() async throws {
        try await withDatabase { db, _ in
            #expect(try await Migrator.pending(db, migrations: [Self.first, Self.second]) == ["0001_users", "0002_tokens"])
            let applied = try await Migrator.migrate(db, migrations: [Self.first, Self.second])
            #expect(applied == ["0001_users", "0002_tokens"])
            #expect(try await tableNames(db) == ["schema_migrations", "tokens", "users"])
            let rows = try await db.read { try $0.query("SELECT identifier, checksum, applied_at FROM schema_migrations ORDER BY identifier") }
            #expect(rows.map { $0.string("checksum") } == ["c1", "c2"])
            #expect(rows.allSatisfy { ($0.string("applied_at") ?? "").hasSuffix("Z") })
            #expect(try await Migrator.pending(db, migrations: [Self.first, Self.second]).isEmpty)
        }
    }

    @Test func rerunAppliesNothing() async throws {
        try await withDatabase { db, _ in
            _ = try await Migrator.migrate(db, migrations: [Self.first])
            #expect(try await Migrator.migrate(db, migrations: [Self.first]).isEmpty)
            // A later list applies only what is new.
            #expect(try await Migrator.migrate(db, migrations: [Self.first, Self.second]) == ["0002_tokens"])
            #expect(try await Migrator.migrate(db, migrations: [Self.first, Self.second]).isEmpty)
            #expect(try await appliedIdentifiers(db) == ["0001_users", "0002_tokens"])
        }
    }

    @Test func refusesADatabaseWithAnUnknownAppliedMigration() async throws {
        try await withDatabase { db, _ in
            _ = try await Migrator.migrate(db, migrations: [Self.first, Self.second])
            let third = Migration(identifier: "0003_more", sql: "CREATE TABLE more(x);", checksum: "c3")
            await #expect {
                _ = try await Migrator.migrate(db, migrations: [Self.first, third])
            } throws: { error in
                if case MigrationError.unknownAppliedMigration("0002_tokens") = error { return true }
                return false
            }
            await #expect(throws: MigrationError.self) { _ = try await Migrator.pending(db, migrations: [Self.first]) }
            // Nothing changed: 0003 was not applied.
            #expect(try await appliedIdentifiers(db) == ["0001_users", "0002_tokens"])
            #expect(!(try await tableNames(db).contains("more")))
        }
    }

    @Test func refusesAChangedChecksum() async throws {
        try await withDatabase { db, _ in
            _ = try await Migrator.migrate(db, migrations: [Self.first])
            let edited = Migration(identifier: Self.first.identifier, sql: Self.first.sql + " -- edited", checksum: "c1-edited")
            await #expect {
                _ = try await Migrator.migrate(db, migrations: [edited, Self.second])
            } throws: { error in
                if case MigrationError.checksumMismatch("0001_users") = error { return true }
                return false
            }
            #expect(try await appliedIdentifiers(db) == ["0001_users"])
            #expect(!(try await tableNames(db).contains("tokens")))
        }
    }

    @Test func refusalOnAFreshDatabaseCreatesNothing() async throws {
        try await withDatabase { db, _ in
            // Unknown identifier in a database whose schema_migrations was written by someone else.
            try await db.write { conn in
                try conn.execute("CREATE TABLE schema_migrations(identifier TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")
                try conn.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'x', '2030-01-01T00:00:00Z')")
            }
            await #expect(throws: MigrationError.self) { _ = try await Migrator.migrate(db, migrations: [Self.first]) }
            #expect(try await tableNames(db) == ["schema_migrations"])
        }
    }

    @Test func failingMigrationRollsBackAndIsNotRecorded() async throws {
        try await withDatabase { db, _ in
            let broken = Migration(
                identifier: "0002_broken",
                sql: """
                    CREATE TABLE half(x INTEGER);
                    INSERT INTO half(x) VALUES (1);
                    INSERT INTO no_such_table(x) VALUES (1);
                    CREATE TABLE never(y);
                    """,
                checksum: "cb")
            let third = Migration(identifier: "0003_after", sql: "CREATE TABLE after(z);", checksum: "c3")
            var caught: (String, SQLiteError)?
            do {
                _ = try await Migrator.migrate(db, migrations: [Self.first, broken, third])
            } catch MigrationError.failed(let identifier, let error) {
                caught = (identifier, error)
            }
            #expect(caught?.0 == "0002_broken")
            #expect(caught?.1.message.contains("no such table") == true)  // the first error, not a ROLLBACK error
            #expect(try await appliedIdentifiers(db) == ["0001_users"])
            #expect(try await tableNames(db) == ["schema_migrations", "users"])
            // The writer is usable and a fixed list applies cleanly afterwards.
            #expect(try await Migrator.migrate(db, migrations: [Self.first, Self.second]) == ["0002_tokens"])
        }
    }

    @Test func foreignKeyCheckRunsBeforeCommit() async throws {
        try await withDatabase { db, _ in
            let dangling = Migration(
                identifier: "0002_dangling",
                sql: """
                    PRAGMA defer_foreign_keys = ON;
                    CREATE TABLE tokens(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));
                    INSERT INTO tokens(user_id) VALUES (12345);
                    """,
                checksum: "cd")
            var caught: SQLiteError?
            do {
                _ = try await Migrator.migrate(db, migrations: [Self.first, dangling])
            } catch MigrationError.failed("0002_dangling", let error) {
                caught = error
            }
            #expect(caught?.isConstraintViolation == true)
            #expect(try await appliedIdentifiers(db) == ["0001_users"])
            #expect(!(try await tableNames(db).contains("tokens")))
        }
    }

    @Test func migrationsMayNotControlTheTransaction() async throws {
        try await withDatabase { db, _ in
            let sneaky = Migration(identifier: "0001_sneaky", sql: "CREATE TABLE a(x); COMMIT; CREATE TABLE b(y);", checksum: "s")
            var caught: SQLiteError?
            do {
                _ = try await Migrator.migrate(db, migrations: [sneaky])
            } catch MigrationError.failed(_, let error) {
                caught = error
            }
            #expect(caught?.code == SQLITE_AUTH)
            #expect(try await tableNames(db) == ["schema_migrations"])
        }
    }
}
