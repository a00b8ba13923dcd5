import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reports of what runs where.
public enum DeploymentStore {
    /// One report: a digest running at a target of an environment.
    public struct Deployment: Sendable, Equatable {
        public let id: String
        public let digest: Digest
        public let environment: String
        public let target: String
        public let reportedBy: String
        public let reportedAt: Date

        public init(id: String, digest: Digest, environment: String, target: String, reportedBy: String, reportedAt: Date) {
            self.id = id
            self.digest = digest
            self.environment = environment
            self.target = target
            self.reportedBy = reportedBy
            self.reportedAt = reportedAt
        }
    }

    public static func insert(_ deployment: Deployment, in db: SQLiteConnection) throws {
        try db.execute(
            "INSERT INTO deployments (id, digest, environment, target, reported_by, reported_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                deployment.id, deployment.digest.rawValue, deployment.environment, deployment.target, deployment.reportedBy,
                Timestamp.format(deployment.reportedAt),
            ])
    }

    /// The latest report per target, for one environment or all, by environment then target.
    public static func latest(environment: String?, in db: SQLiteConnection) throws -> [Deployment] {
        let rows = try db.query(
            """
            SELECT d.id, d.digest, d.environment, d.target, d.reported_by, d.reported_at FROM deployments d
            WHERE (? IS NULL OR d.environment = ?)
              AND d.id = (SELECT e.id FROM deployments e WHERE e.environment = d.environment AND e.target = d.target
                          ORDER BY e.reported_at DESC, e.id DESC LIMIT 1)
            ORDER BY d.environment, d.target
            """, [environment, environment])
        return try rows.map { row in
            guard let id = row.string(0), let digest = row.string(1).flatMap({ try? Digest(parsing: $0) }), let environment = row.string(2),
                let target = row.string(3), let by = row.string(4), let at = row.string(5).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable deployments row") }
            return Deployment(id: id, digest: digest, environment: environment, target: target, reportedBy: by, reportedAt: at)
        }
    }
}
