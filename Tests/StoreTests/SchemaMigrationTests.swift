import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

@Suite struct SchemaMigrationTests {
    @Test func embeddedMigrationsMatchTheMigrationsDirectory() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations").path
        let fromDisk = try Schema.migrations(fromDirectory: directory)
        #expect(fromDisk.map(\.identifier) == Schema.migrations.map(\.identifier))
        #expect(fromDisk.map(\.checksum) == Schema.migrations.map(\.checksum))
        #expect(Schema.migrations.first?.identifier == "0001_init")
    }

    @Test func freshDatabaseMigratesAndRerunIsANoOp() async throws {
        let directory = try TemporaryDirectory("schema")
        defer { directory.remove() }
        let db = try Database(path: directory.file("db.sqlite"))
        let applied = try await Migrator.migrate(db, migrations: Schema.migrations)
        #expect(applied == Schema.migrations.map(\.identifier))
        #expect(try await Migrator.migrate(db, migrations: Schema.migrations).isEmpty)
        let tables = try await db.read { conn in
            try conn.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").compactMap { $0.string(0) }
        }
        #expect(tables.contains("users") && tables.contains("api_tokens") && tables.contains("audit_log"))
        await db.close()
    }

    @Test func refusesADatabaseWithAnUnknownNewerMigration() async throws {
        let directory = try TemporaryDirectory("schema")
        defer { directory.remove() }
        let newer = Schema.migrations + [Migration(identifier: "9999_future", sql: "CREATE TABLE future (id INTEGER);", checksum: "f")]
        let db = try Database(path: directory.file("db.sqlite"))
        _ = try await Migrator.migrate(db, migrations: newer)
        await #expect(throws: MigrationError.self) { try await Migrator.migrate(db, migrations: Schema.migrations) }
        await db.close()
    }
}

@Suite struct AuditLogTests {
    func withDatabase(_ body: (Database) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("audit")
        defer { directory.remove() }
        let db = try Database(path: directory.file("db.sqlite"))
        _ = try await Migrator.migrate(db, migrations: Schema.migrations)
        try await body(db)
        await db.close()
    }

    /// Migration 0009 rebuilds the audit log without the unique index on `hash`: a log written before it keeps every
    /// entry, id and hash, still verifies, stays append-only and keeps its lookup indexes.
    @Test func theAuditLogRebuildKeepsTheChainAndItsGuards() async throws {
        let directory = try TemporaryDirectory("audit-rebuild")
        defer { directory.remove() }
        let db = try Database(path: directory.file("db.sqlite"))
        let before = Schema.migrations.filter { $0.identifier < "0009" }
        #expect(before.count == Schema.migrations.count - 1)
        _ = try await Migrator.migrate(db, migrations: before)
        let written = try await db.write { conn in
            try (0..<20).map { try AuditLog.append(actor: "ci", action: "scan.add", subject: "image:sha256:\($0)", details: ["n": "\($0)"], in: conn) }
        }
        func uniqueIndexes() async throws -> [String] {
            try await db.read { conn in
                try conn.query("SELECT name FROM pragma_index_list('audit_log') WHERE \"unique\" = 1").compactMap { $0.string(0) }
            }
        }
        #expect(try await uniqueIndexes().count == 1)
        #expect(try await Migrator.migrate(db, migrations: Schema.migrations) == ["0009_audit_log_hash_not_unique"])
        #expect(try await uniqueIndexes().isEmpty)
        let (entries, verification, indexes) = try await db.read { conn in
            (
                try AuditLog.entries(in: conn), try AuditLog.verify(in: conn),
                try conn.query("SELECT name FROM pragma_index_list('audit_log') ORDER BY name").compactMap { $0.string(0) }
            )
        }
        #expect(entries == written)
        #expect(verification == .intact(entries: 20))
        #expect(indexes == ["audit_log_action", "audit_log_actor", "audit_log_subject"])
        // Still append-only, and the chain goes on from where it was.
        await #expect(throws: SQLiteError.self) { try await db.write { conn in try conn.execute("UPDATE audit_log SET actor = 'mallory'") } }
        await #expect(throws: SQLiteError.self) { try await db.write { conn in try conn.execute("DELETE FROM audit_log WHERE id = 1") } }
        let next = try await db.write { conn in try AuditLog.append(actor: "ci", action: "scan.add", subject: "image:sha256:next", in: conn) }
        #expect(next.id == 21 && next.prevHash == written.last?.hash)
        await db.close()
    }

    @Test func chainVerifiesAndLinksEachEntryToThePrevious() async throws {
        try await withDatabase { db in
            for index in 0..<5 {
                _ = try await db.write { conn in
                    try AuditLog.append(actor: "alice", action: "test.act", subject: "thing:\(index)", details: ["n": "\(index)"], in: conn)
                }
            }
            let (entries, verification) = try await db.read { conn in
                (try AuditLog.entries(in: conn), try AuditLog.verify(in: conn))
            }
            #expect(entries.count == 5)
            #expect(entries.first?.prevHash == AuditLog.genesisHash)
            for (previous, next) in zip(entries, entries.dropFirst()) { #expect(next.prevHash == previous.hash) }
            #expect(verification == .intact(entries: 5))
        }
    }

    @Test func sqlCannotRewriteHistory() async throws {
        try await withDatabase { db in
            _ = try await db.write { conn in try AuditLog.append(actor: "a", action: "x", subject: "s", in: conn) }
            await #expect(throws: SQLiteError.self) {
                try await db.write { conn in try conn.execute("UPDATE audit_log SET actor = 'mallory'") }
            }
            await #expect(throws: SQLiteError.self) {
                try await db.write { conn in try conn.execute("DELETE FROM audit_log") }
            }
        }
    }

    @Test func tamperingIsDetectedAtTheFirstBadEntry() async throws {
        try await withDatabase { db in
            try await db.write { conn in
                for index in 0..<4 { try AuditLog.append(actor: "a", action: "x", subject: "s\(index)", in: conn) }
            }
            // An attacker with file access drops the triggers and edits entry 3.
            try await db.write { conn in
                try conn.execute("DROP TRIGGER audit_log_no_update")
                try conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
            }
            let verification = try await db.read { conn in try AuditLog.verify(in: conn) }
            guard case .broken(let id, _) = verification else {
                Issue.record("tampering not detected")
                return
            }
            #expect(id == 3)
        }
    }
}

@Suite struct TokenStoreTests {
    @Test func tokensRoundTripAndRevokeOnce() async throws {
        let directory = try TemporaryDirectory("tokens")
        defer { directory.remove() }
        let db = try Database(path: directory.file("db.sqlite"))
        _ = try await Migrator.migrate(db, migrations: Schema.migrations)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = APIToken(
            id: "tok_1", name: "ci", tokenHash: String(repeating: "0", count: 64), scopes: [.evidenceWrite, .clearanceRead], user: nil,
            createdBy: "test", createdAt: now, expiresAt: now.addingTimeInterval(60), revokedAt: nil)
        try await db.write { conn in try TokenStore.insert(token, in: conn) }
        let found = try await db.read { conn in try TokenStore.find(hash: token.tokenHash, in: conn) }
        #expect(found == token)
        #expect(try await db.write { conn in try TokenStore.revoke(id: "tok_1", at: now, in: conn) })
        #expect(try await db.write { conn in try TokenStore.revoke(id: "tok_1", at: now, in: conn) } == false)
        await #expect(throws: StoreError.notFound("no token with id 'tok_2'")) {
            try await db.write { conn in try TokenStore.revoke(id: "tok_2", at: now, in: conn) }
        }
        let bound = APIToken(
            id: "tok_3", name: "x", tokenHash: String(repeating: "1", count: 64), scopes: [.admin], user: "ghost", createdBy: "t",
            createdAt: now, expiresAt: nil, revokedAt: nil)
        await #expect(throws: StoreError.notFound("no user named 'ghost'")) {
            try await db.write { conn in try TokenStore.insert(bound, in: conn) }
        }
        await db.close()
    }
}
