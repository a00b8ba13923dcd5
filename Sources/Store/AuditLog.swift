import Crypto
import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The append-only, hash-chained audit log: each entry's hash covers its fields and the previous entry's hash,
/// so editing or removing any entry breaks every hash after it.
public enum AuditLog {
    /// The `prevHash` of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Appends an entry inside the caller's write, so the change and its record commit together.
    /// `details` must hold no secret (passwords, tokens, env values).
    @discardableResult
    public static func append(
        actor: String, action: String, subject: String, details: [String: String] = [:], at date: Date = Date(),
        in db: SQLiteConnection
    ) throws -> AuditEntry {
        let prev = try db.queryOne("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        let id = (prev?.int64(0) ?? 0) + 1
        let prevHash = prev?.string(1) ?? genesisHash
        let at = Timestamp.format(date)
        let detailsJSON = encodeDetails(details)
        let hash = chainHash(id: id, at: at, actor: actor, action: action, subject: subject, details: detailsJSON, prevHash: prevHash)
        try db.execute(
            "INSERT INTO audit_log (id, at, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [id, at, actor, action, subject, detailsJSON, prevHash, hash])
        return AuditEntry(id: id, at: at, actor: actor, action: action, subject: subject, details: detailsJSON, prevHash: prevHash, hash: hash)
    }

    /// Up to `limit` entries with an id greater than `after`, oldest first.
    public static func entries(after: Int64 = 0, limit: Int = 100, in db: SQLiteConnection) throws -> [AuditEntry] {
        try db.query(
            "SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
            [after, limit]
        ).map(entry)
    }

    /// The stored hash of entry `id`, or nil when there is no such entry.
    public static func hash(ofEntry id: Int64, in db: SQLiteConnection) throws -> String? {
        try db.queryOne("SELECT hash FROM audit_log WHERE id = ?", [id])?.string(0)
    }

    /// The outcome of checking the whole chain.
    public enum Verification: Sendable, Equatable {
        case intact(entries: Int)
        /// The first entry whose hash or link does not match, with what is wrong.
        case broken(id: Int64, reason: String)
    }

    /// Recomputes every hash and link, in pages, and names the first entry that does not match.
    public static func verify(in db: SQLiteConnection) throws -> Verification {
        var expectedPrev = genesisHash
        var expectedID: Int64 = 1
        var count = 0
        while true {
            let page = try entries(after: expectedID - 1, limit: 1000, in: db)
            if page.isEmpty { break }
            for entry in page {
                if entry.id != expectedID { return .broken(id: entry.id, reason: "entry \(expectedID) is missing") }
                if entry.prevHash != expectedPrev { return .broken(id: entry.id, reason: "prevHash does not match the previous entry") }
                let recomputed = chainHash(
                    id: entry.id, at: entry.at, actor: entry.actor, action: entry.action, subject: entry.subject,
                    details: entry.details, prevHash: entry.prevHash)
                if recomputed != entry.hash { return .broken(id: entry.id, reason: "hash does not match the entry's content") }
                expectedPrev = entry.hash
                expectedID += 1
                count += 1
            }
        }
        return .intact(entries: count)
    }

    /// SHA-256 over the length-prefixed fields, so no two different entries share an encoding.
    static func chainHash(id: Int64, at: String, actor: String, action: String, subject: String, details: String, prevHash: String) -> String {
        var bytes: [UInt8] = []
        for field in [String(id), at, actor, action, subject, details, prevHash] {
            let utf8 = Array(field.utf8)
            bytes += Array(String(utf8.count).utf8) + [0x3A] + utf8 + [0x0A]
        }
        return SHA256.hexDigest(bytes)
    }

    /// `details` as one JSON object, byte for byte as `JSONEncoder` writes it with sorted keys and unescaped slashes
    /// (the format of every entry so far), without its cost inside the write transaction.
    static func encodeDetails(_ details: [String: String]) -> String {
        var json = JSONWriter(capacity: 256)
        json.raw("{")
        for (index, member) in details.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { json.raw(",") }
            json.string(member.key)
            json.raw(":")
            json.string(member.value)
        }
        json.raw("}")
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static func entry(_ row: Row) throws -> AuditEntry {
        guard let id = row.int64(0), let at = row.string(1), let actor = row.string(2), let action = row.string(3),
            let subject = row.string(4), let details = row.string(5), let prev = row.string(6), let hash = row.string(7)
        else { throw StoreError.invalid("unreadable audit_log row") }
        return AuditEntry(id: id, at: at, actor: actor, action: action, subject: subject, details: details, prevHash: prev, hash: hash)
    }
}
