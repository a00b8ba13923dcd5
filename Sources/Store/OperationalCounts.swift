import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The database-backed numbers `/metrics` publishes, each read with one indexed query.
public struct OperationalCounts: Sendable, Equatable {
    /// Active break-glass records by environment and whether an approver confirmed them.
    public struct BreakGlassKey: Sendable, Hashable {
        public let environment: String
        public let confirmed: Bool

        /// One (environment, confirmed) pair.
        public init(environment: String, confirmed: Bool) {
            self.environment = environment
            self.confirmed = confirmed
        }
    }

    /// Every environment with a policy (so gauges can show 0 for each).
    public var environments: [String] = []

    /// Entries in the audit chain (ids run 1, 2, 3, …, so the newest id is the length).
    public var auditEntries: Int64 = 0
    /// The newest break-glass per (digest, environment) that has not expired.
    public var breakGlassActive: [BreakGlassKey: Int] = [:]
    /// Webhook deliveries waiting for their first or a further attempt.
    public var pendingDeliveries = 0

    /// Empty counts.
    public init() {}

    /// Reads every count in one snapshot.
    public static func read(at now: Date, in db: SQLiteConnection) throws -> OperationalCounts {
        var counts = OperationalCounts()
        counts.auditEntries = try DecisionWatchStore.auditHead(in: db)
        counts.environments = try PolicyStore.environments(in: db)
        // expires_at narrows by index first; NOT EXISTS keeps only the newest record per (digest, environment),
        // the one decisions use.
        for row in try db.query(
            """
            SELECT b.environment, b.confirmed_by IS NOT NULL, count(*) FROM break_glass b
            WHERE b.expires_at > ? AND NOT EXISTS (
                SELECT 1 FROM break_glass n WHERE n.digest = b.digest AND n.environment = b.environment
                AND (n.created_at > b.created_at OR (n.created_at = b.created_at AND n.id > b.id)))
            GROUP BY 1, 2
            """, [Timestamp.format(now)])
        {
            guard let environment = row.string(0), let confirmed = row.bool(1), let count = row.int(2) else {
                throw StoreError.invalid("unreadable break_glass count")
            }
            counts.breakGlassActive[BreakGlassKey(environment: environment, confirmed: confirmed)] = count
        }
        counts.pendingDeliveries = try db.queryOne("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")?.int(0) ?? 0
        return counts
    }

    /// Targets whose latest deployment runs a digest not cleared in its environment, by environment, as the decision
    /// watcher last recorded it (a digest it has not decided yet counts as not cleared). It walks the deployments index
    /// once (one seek per target), so its cost grows with the deployment history: read it when a deployment or a
    /// decision changed, not on every scrape.
    public static func drift(in db: SQLiteConnection) throws -> [String: Int] {
        var drift: [String: Int] = [:]
        for row in try db.query(
            """
            SELECT latest.environment, count(*) FROM (
                SELECT t.environment, (SELECT e.digest FROM deployments e WHERE e.environment = t.environment AND e.target = t.target
                                       ORDER BY e.reported_at DESC, e.id DESC LIMIT 1) AS digest
                FROM (SELECT DISTINCT environment, target FROM deployments) t
            ) latest
            LEFT JOIN decision_watch w ON w.digest = latest.digest AND w.environment = latest.environment
            WHERE coalesce(w.cleared, 0) = 0
            GROUP BY latest.environment
            """)
        {
            guard let environment = row.string(0), let count = row.int(1) else { throw StoreError.invalid("unreadable drift count") }
            drift[environment] = count
        }
        return drift
    }
}
