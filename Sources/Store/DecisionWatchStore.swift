import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The decision watcher's memory: the last announced decision per (digest, environment), its cursor in the
/// audit log, and the waivers already announced as expiring.
public enum DecisionWatchStore {
    /// The decision last recorded for one (digest, environment).
    public struct Announced: Sendable, Equatable {
        public let cleared: Bool
        public let policyVersion: Int
        /// Timestamp text of the decision's validUntil, as stored.
        public let validUntil: String?

        /// A recorded decision.
        public init(cleared: Bool, policyVersion: Int, validUntil: String?) {
            self.cleared = cleared
            self.policyVersion = policyVersion
            self.validUntil = validUntil
        }
    }

    // MARK: Cursor

    /// The last audit entry id looked at; nil before the first (baseline) pass.
    public static func cursor(in db: SQLiteConnection) throws -> Int64? {
        try db.queryOne("SELECT audit_id FROM decision_watch_cursor WHERE id = 1")?.int64(0)
    }

    /// Moves the cursor.
    public static func setCursor(_ auditID: Int64, in db: SQLiteConnection) throws {
        try db.execute(
            "INSERT INTO decision_watch_cursor (id, audit_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET audit_id = excluded.audit_id", [auditID])
    }

    /// The id of the newest audit entry, 0 for an empty log (ids are 1, 2, 3, …: also the chain's length).
    public static func auditHead(in db: SQLiteConnection) throws -> Int64 {
        try db.queryOne("SELECT max(id) FROM audit_log")?.int64(0) ?? 0
    }

    // MARK: Announced decisions

    /// The recorded decisions of `digests`, by digest then environment.
    public static func announced(digests: [String], in db: SQLiteConnection) throws -> [String: [String: Announced]] {
        var result: [String: [String: Announced]] = [:]
        for digest in digests {
            for row in try db.query("SELECT environment, cleared, policy_version, valid_until FROM decision_watch WHERE digest = ?", [digest]) {
                guard let environment = row.string(0), let cleared = row.bool(1), let version = row.int(2) else {
                    throw StoreError.invalid("unreadable decision_watch row")
                }
                result[digest, default: [:]][environment] = Announced(cleared: cleared, policyVersion: version, validUntil: row.string(3))
            }
        }
        return result
    }

    /// Records the decision for (digest, environment).
    public static func record(
        digest: String, environment: String, _ announced: Announced, decidedAt: String, in db: SQLiteConnection
    ) throws {
        try db.execute(
            """
            INSERT INTO decision_watch (digest, environment, cleared, policy_version, valid_until, decided_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (digest, environment) DO UPDATE SET cleared = excluded.cleared, policy_version = excluded.policy_version,
                valid_until = excluded.valid_until, decided_at = excluded.decided_at
            """, [digest, environment, announced.cleared, announced.policyVersion, announced.validUntil, decidedAt])
    }

    /// Digests with a recorded decision whose validUntil is at or before `now` (time may have changed them).
    public static func dueDigests(at now: Date, limit: Int, in db: SQLiteConnection) throws -> [String] {
        try db.query(
            "SELECT DISTINCT digest FROM decision_watch WHERE valid_until IS NOT NULL AND valid_until <= ? ORDER BY digest LIMIT ?",
            [Timestamp.format(now), limit]
        ).compactMap { $0.string(0) }
    }

    /// The earliest recorded validUntil, if any.
    public static func earliestValidUntil(in db: SQLiteConnection) throws -> Date? {
        try db.queryOne("SELECT min(valid_until) FROM decision_watch WHERE valid_until IS NOT NULL")?.string(0).flatMap(Timestamp.parse)
    }

    /// A page of every digest worth watching (with evidence, or already recorded), in text order after `after`.
    public static func digests(after: String, limit: Int, in db: SQLiteConnection) throws -> [String] {
        // Each side seeks its primary key and stops at `limit`, so a page costs the same on page 1 and page 1,000.
        try db.query(
            """
            SELECT digest FROM (
                SELECT digest FROM (SELECT digest FROM images WHERE digest > ? ORDER BY digest LIMIT ?)
                UNION
                SELECT digest FROM (SELECT DISTINCT digest FROM decision_watch WHERE digest > ? ORDER BY digest LIMIT ?)
            ) ORDER BY digest LIMIT ?
            """, [after, limit, after, limit, limit]
        ).compactMap { $0.string(0) }
    }

    // MARK: Expiring waivers

    /// Waivers expiring after `now` and at or before `until` that were not announced yet, soonest first.
    public static func expiringWaivers(after now: Date, until: Date, limit: Int, in db: SQLiteConnection) throws -> [Waiver] {
        try db.query(
            """
            SELECT id, vulnerability, digest, repository_pattern, environment, justification, created_by, created_at, expires_at FROM waivers w
            WHERE expires_at > ? AND expires_at <= ? AND NOT EXISTS (SELECT 1 FROM waiver_expiry_notices n WHERE n.waiver_id = w.id)
            ORDER BY expires_at, id LIMIT ?
            """, [Timestamp.format(now), Timestamp.format(until), limit]
        ).map(waiver)
    }

    /// When the next not-yet-announced waiver expires among those expiring after `after`.
    public static func nextWaiverExpiry(after: Date, in db: SQLiteConnection) throws -> Date? {
        try db.queryOne(
            """
            SELECT min(expires_at) FROM waivers w
            WHERE expires_at > ? AND NOT EXISTS (SELECT 1 FROM waiver_expiry_notices n WHERE n.waiver_id = w.id)
            """, [Timestamp.format(after)]
        )?.string(0).flatMap(Timestamp.parse)
    }

    /// Marks a waiver announced; false if it already was.
    public static func markExpiryNotified(waiverID: String, at date: Date, in db: SQLiteConnection) throws -> Bool {
        try db.execute(
            "INSERT INTO waiver_expiry_notices (waiver_id, notified_at) VALUES (?, ?) ON CONFLICT (waiver_id) DO NOTHING",
            [waiverID, Timestamp.format(date)])
        return db.changes == 1
    }

    private static func waiver(_ row: Row) throws -> Waiver {
        guard let id = row.string(0), let vulnerability = row.string(1), let justification = row.string(5), let by = row.string(6),
            let created = row.string(7).flatMap(Timestamp.parse), let expires = row.string(8).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable waivers row") }
        return Waiver(
            id: id, vulnerability: vulnerability, digest: row.string(2).flatMap { try? Digest(parsing: $0) }, repositoryPattern: row.string(3),
            environment: row.string(4), justification: justification, createdBy: by, createdAt: created, expiresAt: expires)
    }
}
