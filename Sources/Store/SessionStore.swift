import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Dashboard sessions: rows of `sessions`, found by the SHA-256 of the cookie's id.
public enum SessionStore {
    /// A stored session (never the id itself).
    public struct Session: Sendable, Equatable {
        public let idHash: String
        public let user: String
        public let csrfToken: String
        /// The user's `passwordChangedAt` when the session began.
        public let passwordChangedAt: Date
        public let createdAt: Date
        public let lastSeenAt: Date
        /// The absolute end.
        public let expiresAt: Date

        public init(idHash: String, user: String, csrfToken: String, passwordChangedAt: Date, createdAt: Date, lastSeenAt: Date, expiresAt: Date) {
            self.idHash = idHash
            self.user = user
            self.csrfToken = csrfToken
            self.passwordChangedAt = passwordChangedAt
            self.createdAt = createdAt
            self.lastSeenAt = lastSeenAt
            self.expiresAt = expiresAt
        }
    }

    private static let columns = "id_hash, user_name, csrf_token, password_changed_at, created_at, last_seen_at, expires_at"

    /// Stores a new session.
    public static func insert(_ session: Session, in db: SQLiteConnection) throws {
        try db.execute(
            "INSERT INTO sessions (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                session.idHash, session.user, session.csrfToken, Timestamp.format(session.passwordChangedAt), Timestamp.format(session.createdAt),
                Timestamp.format(session.lastSeenAt), Timestamp.format(session.expiresAt),
            ])
    }

    /// The session whose id hashes to `idHash`, expired or not.
    public static func find(idHash: String, in db: SQLiteConnection) throws -> Session? {
        try db.queryOne("SELECT \(columns) FROM sessions WHERE id_hash = ?", [idHash]).map(session)
    }

    /// Moves the idle deadline on.
    public static func touch(idHash: String, at date: Date, in db: SQLiteConnection) throws {
        try db.execute("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", [Timestamp.format(date), idHash])
    }

    /// Ends one session; false when there was none.
    @discardableResult
    public static func delete(idHash: String, in db: SQLiteConnection) throws -> Bool {
        try db.execute("DELETE FROM sessions WHERE id_hash = ?", [idHash])
        return db.changes > 0
    }

    /// Ends every session of `user`; returns how many there were.
    @discardableResult
    public static func deleteAll(user: String, in db: SQLiteConnection) throws -> Int {
        try db.execute("DELETE FROM sessions WHERE user_name = ?", [user])
        return db.changes
    }

    /// Removes sessions past their absolute end or idle since before `idleBefore`.
    public static func purge(now: Date, idleBefore: Date, in db: SQLiteConnection) throws {
        try db.execute(
            "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", [Timestamp.format(now), Timestamp.format(idleBefore)])
    }

    /// How many sessions `user` has.
    public static func count(user: String, in db: SQLiteConnection) throws -> Int {
        try db.queryOne("SELECT COUNT(*) FROM sessions WHERE user_name = ?", [user])?.int(0) ?? 0
    }

    private static func session(_ row: Row) throws -> Session {
        guard let idHash = row.string(0), let user = row.string(1), let csrf = row.string(2),
            let changed = row.string(3).flatMap(Timestamp.parse), let created = row.string(4).flatMap(Timestamp.parse),
            let seen = row.string(5).flatMap(Timestamp.parse), let expires = row.string(6).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable sessions row") }
        return Session(idHash: idHash, user: user, csrfToken: csrf, passwordChangedAt: changed, createdAt: created, lastSeenAt: seen, expiresAt: expires)
    }
}
