import Crypto
import Domain
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Dashboard sessions: a 256-bit random id in an HttpOnly cookie, only its SHA-256 stored; they end after
/// 1 h idle or 12 h in total, on sign-out, and when the user's password changes (by any route: API, CLI or here).
struct Sessions: Sendable {
    let database: Database
    let clock: @Sendable () -> Date

    static let idleTimeout: TimeInterval = 3600
    static let absoluteTimeout: TimeInterval = 12 * 3600
    /// The idle deadline moves at most once a minute, so reading pages does not write on every request.
    static let touchInterval: TimeInterval = 60

    /// A new session for `user`; returns the cookie value (the only copy of the id) and the CSRF token.
    func start(for user: User, client: String) async throws -> (cookie: String, csrf: String) {
        let id = Base64URL.encode(SecureRandom.bytes(count: 32))
        let csrf = Base64URL.encode(SecureRandom.bytes(count: 32))
        let now = clock()
        let session = SessionStore.Session(
            idHash: Self.hash(id), user: user.name, csrfToken: csrf, passwordChangedAt: user.passwordChangedAt, createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(Self.absoluteTimeout))
        try await database.write { db in
            try SessionStore.purge(now: now, idleBefore: now.addingTimeInterval(-Self.idleTimeout), in: db)
            try SessionStore.insert(session, in: db)
            try LoginFailureStore.clear(user: user.name, in: db)
            try AuditLog.append(actor: user.name, action: "session.start", subject: "user:" + user.name, details: ["client": client], at: now, in: db)
        }
        return (id, csrf)
    }

    /// The signed-in user for a cookie value, or nil when it names no live session. A session that has ended
    /// (idle, absolute, password changed, user gone) is deleted on sight.
    func resolve(_ cookie: String?) async throws -> SignedInUser? {
        guard let cookie, Self.isWellFormed(cookie) else { return nil }
        let idHash = Self.hash(cookie)
        let found: (SessionStore.Session, User?)? = try await database.read { db in
            guard let session = try SessionStore.find(idHash: idHash, in: db) else { return nil }
            return (session, try UserStore.find(session.user, in: db))
        }
        guard let (session, user) = found else { return nil }
        let now = clock()
        guard let user, now < session.expiresAt, now < session.lastSeenAt.addingTimeInterval(Self.idleTimeout),
            // Stored with millisecond text, read back as binary floating point: equal within rounding. A real
            // change is at least one scrypt hash (~100 ms) later.
            abs(user.passwordChangedAt.timeIntervalSince(session.passwordChangedAt)) < 0.002
        else {
            _ = try await database.write { db in try SessionStore.delete(idHash: idHash, in: db) }
            return nil
        }
        if now.timeIntervalSince(session.lastSeenAt) >= Self.touchInterval {
            try await database.write { db in try SessionStore.touch(idHash: idHash, at: now, in: db) }
        }
        return SignedInUser(name: user.name, role: user.role, csrfToken: session.csrfToken, sessionHash: idHash)
    }

    /// Ends one session (sign-out).
    func end(_ user: SignedInUser) async throws {
        let now = clock()
        try await database.write { db in
            if try SessionStore.delete(idHash: user.sessionHash, in: db) {
                try AuditLog.append(actor: user.name, action: "session.end", subject: "user:" + user.name, at: now, in: db)
            }
        }
    }

    /// Ends every session of `user` (after a password change).
    func endAll(user: String) async throws {
        _ = try await database.write { db in try SessionStore.deleteAll(user: user, in: db) }
    }

    /// The stored form of a session id.
    static func hash(_ id: String) -> String { SHA256.hexDigest(Array(id.utf8)) }

    /// 43 characters of base64url (256 bits), checked before any database work.
    static func isWellFormed(_ value: String) -> Bool {
        value.utf8.count == 43
            && value.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
            }
    }
}
