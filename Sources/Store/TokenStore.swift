import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// API tokens: rows of `api_tokens`, found by the SHA-256 of their secret.
public enum TokenStore {
    private static let columns = "id, name, token_hash, scopes, user_name, created_by, created_at, expires_at, revoked_at"

    /// Inserts a token; `.notFound` when its user does not exist.
    public static func insert(_ token: APIToken, in db: SQLiteConnection) throws {
        do {
            try db.execute(
                "INSERT INTO api_tokens (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    token.id, token.name, token.tokenHash, token.scopes.map(\.rawValue).sorted().joined(separator: " "), token.user,
                    token.createdBy, Timestamp.format(token.createdAt), token.expiresAt.map(Timestamp.format),
                    token.revokedAt.map(Timestamp.format),
                ])
        } catch let error as SQLiteError where error.isConstraintViolation {
            if let user = token.user, try UserStore.find(user, in: db) == nil { throw StoreError.notFound("no user named '\(user)'") }
            throw StoreError.conflict("token id or secret collision")
        }
    }

    /// The token whose secret hashes to `hash`, usable or not.
    public static func find(hash: String, in db: SQLiteConnection) throws -> APIToken? {
        try db.queryOne("SELECT \(columns) FROM api_tokens WHERE token_hash = ?", [hash]).map(token)
    }

    /// The token with public id `id`.
    public static func find(id: String, in db: SQLiteConnection) throws -> APIToken? {
        try db.queryOne("SELECT \(columns) FROM api_tokens WHERE id = ?", [id]).map(token)
    }

    /// Every token, newest first.
    public static func all(in db: SQLiteConnection) throws -> [APIToken] {
        try db.query("SELECT \(columns) FROM api_tokens ORDER BY created_at DESC, id").map(token)
    }

    /// Marks a token revoked; returns false when it was already revoked, throws `.notFound` for an unknown id.
    @discardableResult
    public static func revoke(id: String, at date: Date, in db: SQLiteConnection) throws -> Bool {
        try db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [Timestamp.format(date), id])
        if db.changes == 1 { return true }
        guard try find(id: id, in: db) != nil else { throw StoreError.notFound("no token with id '\(id)'") }
        return false
    }

    private static func token(_ row: Row) throws -> APIToken {
        guard let id = row.string(0), let name = row.string(1), let hash = row.string(2), let scopeText = row.string(3),
            let createdBy = row.string(5), let created = row.string(6).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable api_tokens row") }
        var scopes = Set<Scope>()
        for name in scopeText.split(separator: " ") {
            guard let scope = Scope(rawValue: String(name)) else { throw StoreError.invalid("unknown scope in api_tokens row") }
            scopes.insert(scope)
        }
        return APIToken(
            id: id, name: name, tokenHash: hash, scopes: scopes, user: row.string(4), createdBy: createdBy, createdAt: created,
            expiresAt: try row.string(7).map(instant), revokedAt: try row.string(8).map(instant))
    }

    /// A stored instant that does not parse must not read as "never expires" or "not revoked".
    private static func instant(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else { throw StoreError.invalid("unreadable instant in api_tokens row") }
        return date
    }
}
