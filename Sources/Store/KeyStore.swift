import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Trusted keys: rows of `trusted_keys`.
public enum KeyStore {
    private static let columns =
        "id, name, algorithm, bits, public_key_pem, predicate_types, builder_ids, subject_patterns, created_by, created_at, revoked_at"

    /// Inserts a key; `.conflict` when the same key or the same name is registered already.
    public static func insert(_ key: TrustedKey, in db: SQLiteConnection) throws {
        if let existing = try find(id: key.id, in: db) {
            throw StoreError.conflict("this public key is registered already as '\(existing.name)' (id \(existing.id))")
        }
        do {
            try db.execute(
                "INSERT INTO trusted_keys (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    key.id, key.name, key.algorithm.rawValue, key.bits, key.publicKeyPEM, try JSONColumn.encode(key.predicateTypes),
                    try JSONColumn.encode(key.builderIDs), try JSONColumn.encode(key.subjectPatterns), key.createdBy,
                    Timestamp.format(key.createdAt), key.revokedAt.map(Timestamp.format),
                ])
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw StoreError.conflict("a key named '\(key.name)' exists already")
        }
    }

    /// The key with id `id`.
    public static func find(id: String, in db: SQLiteConnection) throws -> TrustedKey? {
        try db.queryOne("SELECT \(columns) FROM trusted_keys WHERE id = ?", [id]).map(key)
    }

    /// Every key, by name.
    public static func all(in db: SQLiteConnection) throws -> [TrustedKey] {
        try db.query("SELECT \(columns) FROM trusted_keys ORDER BY name").map(key)
    }

    /// Active keys as id → name, without decoding their restrictions (for decisions).
    public static func activeNames(in db: SQLiteConnection) throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try db.query("SELECT id, name FROM trusted_keys WHERE revoked_at IS NULL") {
            guard let id = row.string(0), let name = row.string(1) else { throw StoreError.invalid("unreadable trusted_keys row") }
            names[id] = name
        }
        return names
    }

    /// Which of `ids` name a key that exists and is not revoked: one primary-key lookup each.
    public static func activeIDs(among ids: Set<String>, in db: SQLiteConnection) throws -> Set<String> {
        try ids.filter { try db.queryOne("SELECT 1 FROM trusted_keys WHERE id = ? AND revoked_at IS NULL", [$0]) != nil }
    }

    /// A cheap fingerprint of the key set (ids and revocations), to know when a cached key ring is stale.
    public static func fingerprint(in db: SQLiteConnection) throws -> String {
        try db.query("SELECT id, revoked_at FROM trusted_keys ORDER BY id").map { "\($0.string(0) ?? ""):\($0.string(1) ?? "")" }
            .joined(separator: ",")
    }

    /// Revokes a key; false when already revoked, `.notFound` for an unknown id.
    @discardableResult
    public static func revoke(id: String, at date: Date, in db: SQLiteConnection) throws -> Bool {
        try db.execute("UPDATE trusted_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [Timestamp.format(date), id])
        if db.changes == 1 { return true }
        guard try find(id: id, in: db) != nil else { throw StoreError.notFound("no trusted key with id '\(id)'") }
        return false
    }

    private static func key(_ row: Row) throws -> TrustedKey {
        guard let id = row.string(0), let name = row.string(1), let algorithm = row.string(2).flatMap(KeyAlgorithm.init(rawValue:)),
            let bits = row.int(3), let pem = row.string(4), let createdBy = row.string(8),
            let created = row.string(9).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable trusted_keys row") }
        let revokedAt: Date?
        if let text = row.string(10) {
            guard let date = Timestamp.parse(text) else { throw StoreError.invalid("unreadable revoked_at in trusted_keys") }
            revokedAt = date
        } else {
            revokedAt = nil
        }
        return TrustedKey(
            id: id, name: name, algorithm: algorithm, bits: bits, publicKeyPEM: pem,
            predicateTypes: try JSONColumn.decode([String].self, from: row.string(5), column: "trusted_keys.predicate_types"),
            builderIDs: try JSONColumn.decode([String].self, from: row.string(6), column: "trusted_keys.builder_ids"),
            subjectPatterns: try JSONColumn.decode([String].self, from: row.string(7), column: "trusted_keys.subject_patterns"),
            createdBy: createdBy, createdAt: created, revokedAt: revokedAt)
    }
}
