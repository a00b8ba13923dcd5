import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Ed25519 keys that sign clearance receipts. The newest unretired key signs; every key stays published.
public enum ReceiptKeyStore {
    public struct StoredKey: Sendable, Equatable {
        public let kid: String
        public let privateKeyPEM: String
        public let createdAt: Date
        public let retiredAt: Date?
    }

    public static func insert(kid: String, privateKeyPEM: String, at date: Date, in db: SQLiteConnection) throws {
        try db.execute(
            "INSERT INTO receipt_keys (kid, private_key_pem, created_at) VALUES (?, ?, ?)", [kid, privateKeyPEM, Timestamp.format(date)])
    }

    /// Retires every key still active (before a new one is added).
    public static func retireAll(at date: Date, in db: SQLiteConnection) throws {
        try db.execute("UPDATE receipt_keys SET retired_at = ? WHERE retired_at IS NULL", [Timestamp.format(date)])
    }

    /// Every key, oldest first.
    public static func all(in db: SQLiteConnection) throws -> [StoredKey] {
        try db.query("SELECT kid, private_key_pem, created_at, retired_at FROM receipt_keys ORDER BY created_at, kid").map { row in
            guard let kid = row.string(0), let pem = row.string(1), let created = row.string(2).flatMap(Timestamp.parse) else {
                throw StoreError.invalid("unreadable receipt_keys row")
            }
            return StoredKey(kid: kid, privateKeyPEM: pem, createdAt: created, retiredAt: row.string(3).flatMap(Timestamp.parse))
        }
    }
}
