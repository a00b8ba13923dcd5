import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Users: rows of `users`. Functions take the connection of the surrounding read or write.
public enum UserStore {
    /// Inserts a user; `.conflict` if the name is taken.
    public static func insert(_ user: User, in db: SQLiteConnection) throws {
        do {
            try db.execute(
                "INSERT INTO users (name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)",
                [user.name, user.role.rawValue, user.passwordHash, Timestamp.format(user.createdAt), Timestamp.format(user.passwordChangedAt)])
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw StoreError.conflict("user '\(user.name)' already exists")
        }
    }

    /// The user named `name`, or nil.
    public static func find(_ name: String, in db: SQLiteConnection) throws -> User? {
        try db.queryOne("SELECT name, role, password_hash, created_at, password_changed_at FROM users WHERE name = ?", [name]).map(user)
    }

    /// Every user, by name.
    public static func all(in db: SQLiteConnection) throws -> [User] {
        try db.query("SELECT name, role, password_hash, created_at, password_changed_at FROM users ORDER BY name").map(user)
    }

    /// How many users exist.
    public static func count(in db: SQLiteConnection) throws -> Int {
        try db.queryOne("SELECT COUNT(*) FROM users")?.int(0) ?? 0
    }

    /// Replaces the password hash; `.notFound` for an unknown user.
    public static func setPasswordHash(_ hash: String, for name: String, at date: Date, in db: SQLiteConnection) throws {
        try db.execute("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE name = ?", [hash, Timestamp.format(date), name])
        guard db.changes == 1 else { throw StoreError.notFound("no user named '\(name)'") }
    }

    private static func user(_ row: Row) throws -> User {
        guard let name = row.string(0), let role = row.string(1).flatMap(Role.init(rawValue:)), let hash = row.string(2),
            let created = row.string(3).flatMap(Timestamp.parse), let changed = row.string(4).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable users row") }
        return User(name: name, role: role, passwordHash: hash, createdAt: created, passwordChangedAt: changed)
    }
}
