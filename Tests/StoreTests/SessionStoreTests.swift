import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

/// Sessions and login failures against a real migrated SQLite file.
@Suite struct SessionStoreTests {
    private func withDatabase(_ body: (Database) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("sessions")
        defer { directory.remove() }
        let db = try Database(path: directory.file("db.sqlite"))
        _ = try await Migrator.migrate(db, migrations: Schema.migrations)
        let now = Date()
        try await db.write { conn in
            try UserStore.insert(User(name: "ada", role: .approver, passwordHash: "x", createdAt: now, passwordChangedAt: now), in: conn)
            try UserStore.insert(User(name: "bob", role: .viewer, passwordHash: "x", createdAt: now, passwordChangedAt: now), in: conn)
        }
        do {
            try await body(db)
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }

    private func session(_ hash: String, user: String, at now: Date) -> SessionStore.Session {
        SessionStore.Session(
            idHash: hash, user: user, csrfToken: "csrf-" + hash, passwordChangedAt: now, createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(12 * 3600))
    }

    @Test func storesFindsTouchesAndDeletesSessions() async throws {
        try await withDatabase { db in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try await db.write { conn in
                try SessionStore.insert(session("h1", user: "ada", at: now), in: conn)
                try SessionStore.insert(session("h2", user: "ada", at: now), in: conn)
                try SessionStore.insert(session("h3", user: "bob", at: now), in: conn)
            }
            let found = try await db.read { conn in try SessionStore.find(idHash: "h1", in: conn) }
            #expect(found?.user == "ada" && found?.csrfToken == "csrf-h1")
            #expect(found?.expiresAt == now.addingTimeInterval(12 * 3600))
            try await db.write { conn in try SessionStore.touch(idHash: "h1", at: now.addingTimeInterval(90), in: conn) }
            #expect(try await db.read { conn in try SessionStore.find(idHash: "h1", in: conn)?.lastSeenAt } == now.addingTimeInterval(90))

            #expect(try await db.write { conn in try SessionStore.delete(idHash: "h1", in: conn) })
            #expect(try await db.write { conn in try SessionStore.delete(idHash: "h1", in: conn) } == false)
            #expect(try await db.write { conn in try SessionStore.deleteAll(user: "ada", in: conn) } == 1)
            #expect(try await db.read { conn in try SessionStore.count(user: "bob", in: conn) } == 1)
        }
    }

    @Test func purgeRemovesIdleAndExpiredSessionsOnly() async throws {
        try await withDatabase { db in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try await db.write { conn in
                try SessionStore.insert(session("fresh", user: "ada", at: now), in: conn)
                try SessionStore.insert(session("idle", user: "ada", at: now.addingTimeInterval(-2 * 3600)), in: conn)
                try SessionStore.insert(session("old", user: "bob", at: now.addingTimeInterval(-13 * 3600)), in: conn)
                try SessionStore.purge(now: now, idleBefore: now.addingTimeInterval(-3600), in: conn)
            }
            let left = try await db.read { conn in try ["fresh", "idle", "old"].filter { try SessionStore.find(idHash: $0, in: conn) != nil } }
            #expect(left == ["fresh"])
        }
    }

    @Test func deletingAUserEndsTheirSessions() async throws {
        try await withDatabase { db in
            let now = Date()
            try await db.write { conn in
                try SessionStore.insert(session("h", user: "bob", at: now), in: conn)
                try conn.execute("DELETE FROM users WHERE name = ?", ["bob"])
            }
            #expect(try await db.read { conn in try SessionStore.find(idHash: "h", in: conn) } == nil)
        }
    }

    @Test func loginFailuresAreCountedPerUserAndPerClientWithinTheWindow() async throws {
        try await withDatabase { db in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try await db.write { conn in
                for minute in 0..<6 {
                    try LoginFailureStore.record(user: "ada", client: "10.0.0.\(minute)", at: now.addingTimeInterval(Double(-minute * 60)), in: conn)
                }
                try LoginFailureStore.record(user: "eve", client: "10.0.0.9", at: now.addingTimeInterval(-20 * 60), in: conn)
            }
            let since = now.addingTimeInterval(-15 * 60)
            let byUser = try await db.read { conn in try LoginFailureStore.instants(user: "ada", client: nil, since: since, limit: 5, in: conn) }
            #expect(byUser.count == 5)
            #expect(byUser.first == now && byUser.last == now.addingTimeInterval(-4 * 60))
            let outside = try await db.read { conn in try LoginFailureStore.instants(user: nil, client: "10.0.0.9", since: since, limit: 5, in: conn) }
            #expect(outside.isEmpty)
            try await db.write { conn in
                try LoginFailureStore.clear(user: "ada", in: conn)
                try LoginFailureStore.purge(before: since, in: conn)
            }
            let remaining = try await db.read { conn in try conn.queryOne("SELECT COUNT(*) FROM login_failures")?.int(0) }
            #expect(remaining == 0)
        }
    }
}
