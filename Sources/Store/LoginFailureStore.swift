import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Failed dashboard sign-ins, counted per user name and per client address to throttle guessing.
public enum LoginFailureStore {
    /// Records one failure (never the attempted password).
    public static func record(user: String, client: String, at date: Date, in db: SQLiteConnection) throws {
        try db.execute("INSERT INTO login_failures (user_name, client, at) VALUES (?, ?, ?)", [user, client, Timestamp.format(date)])
    }

    /// Up to `limit` failure instants since `since` for `user` (or else `client`), newest first: the count, and when the window frees up.
    public static func instants(user: String?, client: String?, since: Date, limit: Int, in db: SQLiteConnection) throws -> [Date] {
        let from = Timestamp.format(since)
        let rows: [Row]
        if let user {
            rows = try db.query("SELECT at FROM login_failures WHERE user_name = ? AND at > ? ORDER BY at DESC LIMIT ?", [user, from, limit])
        } else {
            rows = try db.query("SELECT at FROM login_failures WHERE client = ? AND at > ? ORDER BY at DESC LIMIT ?", [client ?? "", from, limit])
        }
        return rows.compactMap { $0.string(0).flatMap(Timestamp.parse) }
    }

    /// Forgets a user's failures after a successful sign-in.
    public static func clear(user: String, in db: SQLiteConnection) throws {
        try db.execute("DELETE FROM login_failures WHERE user_name = ?", [user])
    }

    /// Drops failures older than the window.
    public static func purge(before: Date, in db: SQLiteConnection) throws {
        try db.execute("DELETE FROM login_failures WHERE at <= ?", [Timestamp.format(before)])
    }
}
