import App
import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

/// `shipgate audit verify` on real database files, tampered with the way an attacker with file access would.
@Suite struct AuditCommandTests {
    @Test func aFreshDatabaseIsIntact() async throws {
        let directory = try TemporaryDirectory("audit")
        defer { directory.remove() }
        let db = directory.file("s.db")
        #expect(try await CLI.run(["migrate", "--db", db]).status == 0)
        let empty = try await CLI.run(["audit", "verify", "--db", db])
        #expect(empty.status == 0, "\(empty.stderr)")
        let count = try await Self.populate(db)
        let result = try await CLI.run(["audit", "verify", "--db", db])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("intact: \(count) entries\ncheckpoint: \(count):"))
    }

    @Test func aChainCutBackBehindACheckpointIsDetected() async throws {
        let directory = try TemporaryDirectory("audit")
        defer { directory.remove() }
        let path = directory.file("s.db")
        let count = try await Self.populate(path)
        let before = try await CLI.run(["audit", "verify", "--db", path])
        let checkpoint = try #require(before.stdout.split(separator: "\n").last.map { String($0.dropFirst("checkpoint: ".count)) })
        #expect(try await CLI.run(["audit", "verify", "--db", path, "--checkpoint", checkpoint]).status == 0)

        // The last two entries removed: the shorter chain is still internally consistent.
        try await Self.tamper(path, "DELETE FROM audit_log WHERE id > \(count - 2)")
        #expect(try await CLI.run(["audit", "verify", "--db", path]).status == 0)
        let cut = try await CLI.run(["audit", "verify", "--db", path, "--checkpoint", checkpoint])
        #expect(cut.status == 1)
        #expect(cut.stdout == "TRUNCATED: the log ends at entry \(count - 2), before checkpoint \(count)\n")

        let forged = "\(count - 3):" + String(repeating: "0", count: 64)
        let mismatch = try await CLI.run(["audit", "verify", "--db", path, "--checkpoint", forged])
        #expect(mismatch.status == 1)
        #expect(mismatch.stdout.hasPrefix("BROKEN at entry \(count - 3): it does not match checkpoint"))
        #expect(try await CLI.run(["audit", "verify", "--db", path, "--checkpoint", "seven"]).status != 0)
    }

    @Test func anEditedEntryIsNamed() async throws {
        let result = try await Self.verifyAfterTampering("UPDATE audit_log SET subject = 'token:someone-else' WHERE id = 3")
        #expect(result.status == 1)
        #expect(result.stdout == "BROKEN at entry 3: hash does not match the entry's content\n")
    }

    @Test func anEditedHashOrLinkIsNamed() async throws {
        let result = try await Self.verifyAfterTampering("UPDATE audit_log SET hash = '\(String(repeating: "f", count: 64))' WHERE id = 3")
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("BROKEN at entry 3:"))
        let relinked = try await Self.verifyAfterTampering(
            "UPDATE audit_log SET prev_hash = '\(String(repeating: "f", count: 64))' WHERE id = 4")
        #expect(relinked.status == 1)
        #expect(relinked.stdout == "BROKEN at entry 4: prevHash does not match the previous entry\n")
    }

    @Test func aDeletedEntryIsNamed() async throws {
        let result = try await Self.verifyAfterTampering("DELETE FROM audit_log WHERE id = 3")
        #expect(result.status == 1)
        #expect(result.stdout == "BROKEN at entry 4: entry 3 is missing\n")
        let first = try await Self.verifyAfterTampering("DELETE FROM audit_log WHERE id = 1")
        #expect(first.status == 1)
        #expect(first.stdout == "BROKEN at entry 2: entry 1 is missing\n")
    }

    @Test func swappedEntriesAreNamed() async throws {
        // Reordering: entries 2 and 3 trade places (ids stay in sequence, contents move).
        let result = try await Self.verifyAfterTampering(
            """
            UPDATE audit_log SET id = -2 WHERE id = 2;
            UPDATE audit_log SET id = 2 WHERE id = 3;
            UPDATE audit_log SET id = 3 WHERE id = -2;
            """)
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("BROKEN at entry 2: "))
    }

    @Test func unreadableDatabasesExitTwo() async throws {
        let directory = try TemporaryDirectory("audit")
        defer { directory.remove() }
        let missing = try await CLI.run(["audit", "verify", "--db", directory.file("missing.db")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no database file"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("missing.db")))
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: directory.file("garbage.db")))
        let garbage = try await CLI.run(["audit", "verify", "--db", directory.file("garbage.db")])
        #expect(garbage.status == 2)
        #expect(garbage.stderr.hasPrefix("shipgate audit verify: cannot read"))
        let notMigrated = directory.file("empty.db")
        let database = try Database(path: notMigrated)
        await database.close()
        let empty = try await CLI.run(["audit", "verify", "--db", notMigrated])
        #expect(empty.status == 2)
        let folder = try await CLI.run(["audit", "verify", "--db", directory.path])
        #expect(folder.status == 2)
    }

    // MARK: Helpers

    /// Adds audit entries through the real account operations; returns how many entries the log holds.
    static func populate(_ path: String) async throws -> Int {
        let (database, _, _) = try await ShipgateDatabase.open(path: path)
        let accounts = Accounts(database: database)
        for index in 0..<6 {
            _ = try await accounts.issueToken(name: "ci-\(index)", scopes: [.evidenceWrite], user: nil, expiresAt: nil, actor: "test")
        }
        let count = try await database.read { db in try AuditLog.entries(limit: 10_000, in: db).count }
        await database.close()
        return count
    }

    /// A populated database, tampered with by `sql` after dropping the append-only triggers, then verified by the CLI.
    static func verifyAfterTampering(_ sql: String) async throws -> CLI.Result {
        let directory = try TemporaryDirectory("audit")
        defer { directory.remove() }
        let path = directory.file("s.db")
        let count = try await populate(path)
        #expect(count >= 5)
        try await tamper(path, sql)
        return try await CLI.run(["audit", "verify", "--db", path])
    }

    /// Runs `sql` on the file after dropping the append-only triggers, as an attacker with file access would.
    static func tamper(_ path: String, _ sql: String) async throws {
        let database = try Database(path: path)
        do {
            try await database.write { db in
                try db.executeScript("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;\n" + sql)
            }
            await database.close()
        } catch {
            await database.close()
            throw error
        }
    }
}
