import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Read-only queries behind the dashboard's pages, each bounded by a LIMIT or an index range.
public enum DashboardStore {
    // MARK: Images

    /// Images oldest first (by first evidence), `limit` at a time after the cursor `(firstSeenAt, digest)`.
    public static func imagesOldestFirst(after cursor: (at: String, digest: String)?, limit: Int, in db: SQLiteConnection) throws
        -> [EvidenceStore.ImageListItem]
    {
        let rows: [Row]
        if let cursor {
            rows = try db.query(
                """
                SELECT digest, first_seen_at, last_evidence_at FROM images
                WHERE first_seen_at > ? OR (first_seen_at = ? AND digest > ?)
                ORDER BY first_seen_at, digest LIMIT ?
                """, [cursor.at, cursor.at, cursor.digest, limit])
        } else {
            rows = try db.query("SELECT digest, first_seen_at, last_evidence_at FROM images ORDER BY first_seen_at, digest LIMIT ?", [limit])
        }
        return try rows.map { row in
            guard let text = row.string(0), let digest = try? Digest(parsing: text), let first = row.string(1).flatMap(Timestamp.parse),
                let last = row.string(2).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable images row") }
            let names = try db.query("SELECT name FROM image_names WHERE digest = ? ORDER BY name LIMIT 5", [text]).compactMap { $0.string(0) }
            return EvidenceStore.ImageListItem(digest: digest, names: names, firstSeenAt: first, lastEvidenceAt: last)
        }
    }

    /// How many images have evidence.
    public static func imageCount(in db: SQLiteConnection) throws -> Int {
        try db.queryOne("SELECT COUNT(*) FROM images")?.int(0) ?? 0
    }

    // MARK: Findings

    /// The order of a findings table.
    public enum FindingOrder: String, Sendable, CaseIterable {
        case severity, package, id
    }

    /// How many vulnerability findings one scan has.
    public static func findingCount(scanID: String, in db: SQLiteConnection) throws -> Int {
        try db.queryOne("SELECT COUNT(*) FROM scan_findings WHERE scan_id = ?", [scanID])?.int(0) ?? 0
    }

    /// Up to `limit` vulnerability findings of one scan after skipping `offset`, in `order` (severity: most severe
    /// first, then id and package).
    public static func findings(scanID: String, order: FindingOrder, limit: Int, offset: Int, in db: SQLiteConnection) throws -> [Finding] {
        let rank = "CASE severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 3 ELSE 4 END"
        let orderBy: String =
            switch order {
            case .severity: "\(rank), vulnerability_id, package, installed_version"
            case .package: "package, \(rank), vulnerability_id, installed_version"
            case .id: "vulnerability_id, package, installed_version"
            }
        return try db.query(
            """
            SELECT vulnerability_id, package, installed_version, fixed_version, severity, status, title, url FROM scan_findings
            WHERE scan_id = ? ORDER BY \(orderBy) LIMIT ? OFFSET ?
            """, [scanID, limit, offset]
        ).map { row in
            guard let id = row.string(0), let package = row.string(1), let installed = row.string(2),
                let severity = row.string(4).flatMap(Severity.init(rawValue:))
            else { throw StoreError.invalid("unreadable scan_findings row") }
            return Finding(
                id: id, package: package, installedVersion: installed, fixedVersion: row.string(3), severity: severity, status: row.string(5),
                title: row.string(6), url: row.string(7))
        }
    }

    /// The secret findings of one scan (rule, title, severity, location; never the secret).
    public static func secrets(scanID: String, limit: Int, in db: SQLiteConnection) throws -> [SecretFinding] {
        try db.query(
            "SELECT rule_id, title, severity, location FROM scan_secrets WHERE scan_id = ? ORDER BY ordinal LIMIT ?", [scanID, limit]
        ).map { row in
            guard let rule = row.string(0), let title = row.string(1), let severity = row.string(2).flatMap(Severity.init(rawValue:)),
                let location = row.string(3)
            else { throw StoreError.invalid("unreadable scan_secrets row") }
            return SecretFinding(ruleID: rule, title: title, severity: severity, location: location)
        }
    }

    // MARK: Deployments

    /// Deployment reports of one digest, newest first.
    public static func deployments(digest: Digest, limit: Int, in db: SQLiteConnection) throws -> [DeploymentStore.Deployment] {
        try db.query(
            """
            SELECT id, digest, environment, target, reported_by, reported_at FROM deployments
            WHERE digest = ? ORDER BY reported_at DESC, id DESC LIMIT ?
            """, [digest.rawValue, limit]
        ).map { row in
            guard let id = row.string(0), let environment = row.string(2), let target = row.string(3), let by = row.string(4),
                let at = row.string(5).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable deployments row") }
            return DeploymentStore.Deployment(id: id, digest: digest, environment: environment, target: target, reportedBy: by, reportedAt: at)
        }
    }

    // MARK: Audit

    /// Up to `limit` audit entries with an id below `before` (nil: from the newest), newest first, matching every given filter.
    public static func auditEntries(
        before: Int64?, subject: String?, actor: String?, action: String?, limit: Int, in db: SQLiteConnection
    ) throws -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: [any SQLiteBindable] = []
        if let before {
            conditions.append("id < ?")
            arguments.append(before)
        }
        if let subject {
            conditions.append("subject = ?")
            arguments.append(subject)
        }
        if let actor {
            conditions.append("actor = ?")
            arguments.append(actor)
        }
        if let action {
            conditions.append("action = ?")
            arguments.append(action)
        }
        arguments.append(limit)
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try db.query(
            "SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit_log \(filter) ORDER BY id DESC LIMIT ?", arguments
        ).map { row in
            guard let id = row.int64(0), let at = row.string(1), let actor = row.string(2), let action = row.string(3),
                let subject = row.string(4), let details = row.string(5), let prev = row.string(6), let hash = row.string(7)
            else { throw StoreError.invalid("unreadable audit_log row") }
            return AuditEntry(id: id, at: at, actor: actor, action: action, subject: subject, details: details, prevHash: prev, hash: hash)
        }
    }

    // MARK: Policies

    /// One line of an environment's policy history.
    public struct PolicyVersionInfo: Sendable, Equatable {
        public let version: Int
        public let createdBy: String
        public let createdAt: Date
    }

    /// Every version of `environment`'s policy, newest first, without the documents.
    public static func policyHistory(environment: String, limit: Int, in db: SQLiteConnection) throws -> [PolicyVersionInfo] {
        try db.query(
            "SELECT version, created_by, created_at FROM policies WHERE environment = ? ORDER BY version DESC LIMIT ?", [environment, limit]
        ).map { row in
            guard let version = row.int(0), let by = row.string(1), let at = row.string(2).flatMap(Timestamp.parse) else {
                throw StoreError.invalid("unreadable policies row")
            }
            return PolicyVersionInfo(version: version, createdBy: by, createdAt: at)
        }
    }

    // MARK: Decision inputs

    /// Break-glass records in force at `now`, newest first.
    public static func activeBreakGlass(now: Date, limit: Int, in db: SQLiteConnection) throws -> [BreakGlass] {
        try db.query(
            """
            SELECT id, digest, environment, justification, created_by, created_at, expires_at, confirmed_by, confirmed_at FROM break_glass
            WHERE expires_at > ? ORDER BY created_at DESC, id DESC LIMIT ?
            """, [Timestamp.format(now), limit]
        ).map { row in
            guard let id = row.string(0), let digest = row.string(1).flatMap({ try? Digest(parsing: $0) }), let environment = row.string(2),
                let justification = row.string(3), let by = row.string(4), let created = row.string(5).flatMap(Timestamp.parse),
                let expires = row.string(6).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable break_glass row") }
            return BreakGlass(
                id: id, digest: digest, environment: environment, justification: justification, createdBy: by, createdAt: created,
                expiresAt: expires, confirmedBy: row.string(7), confirmedAt: row.string(8).flatMap(Timestamp.parse))
        }
    }

    /// Waivers still in force at `now` that end before `until`, soonest first.
    public static func waiversExpiring(now: Date, until: Date, limit: Int, in db: SQLiteConnection) throws -> [Waiver] {
        try db.query(
            """
            SELECT id, vulnerability, digest, repository_pattern, environment, justification, created_by, created_at, expires_at FROM waivers
            WHERE expires_at > ? AND expires_at <= ? ORDER BY expires_at, id LIMIT ?
            """, [Timestamp.format(now), Timestamp.format(until), limit]
        ).map { row in
            guard let id = row.string(0), let vulnerability = row.string(1), let justification = row.string(5), let by = row.string(6),
                let created = row.string(7).flatMap(Timestamp.parse), let expires = row.string(8).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable waivers row") }
            return Waiver(
                id: id, vulnerability: vulnerability, digest: row.string(2).flatMap { try? Digest(parsing: $0) }, repositoryPattern: row.string(3),
                environment: row.string(4), justification: justification, createdBy: by, createdAt: created, expiresAt: expires)
        }
    }

    /// Approvals given in `environment` within (`after`, `before`], oldest first: the ones that stop counting soonest.
    public static func approvals(environment: String, after: Date, before: Date, limit: Int, in db: SQLiteConnection) throws -> [Approval] {
        try db.query(
            """
            SELECT id, digest, verdict, user_name, role, comment, at FROM approvals
            WHERE environment = ? AND at > ? AND at <= ? AND verdict = 'approve' ORDER BY at, id LIMIT ?
            """, [environment, Timestamp.format(after), Timestamp.format(before), limit]
        ).map { row in
            guard let id = row.string(0), let digest = row.string(1).flatMap({ try? Digest(parsing: $0) }),
                let verdict = row.string(2).flatMap(Approval.Verdict.init(rawValue:)), let user = row.string(3),
                let role = row.string(4).flatMap(Role.init(rawValue:)), let comment = row.string(5), let at = row.string(6).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable approvals row") }
            return Approval(id: id, digest: digest, environment: environment, verdict: verdict, user: user, role: role, comment: comment, at: at)
        }
    }

    /// Digests most recently approved in `environment`, newest first (candidates for "recently cleared").
    public static func recentlyApproved(environment: String, limit: Int, in db: SQLiteConnection) throws -> [(digest: Digest, at: Date)] {
        try db.query(
            """
            SELECT digest, MAX(at) AS latest FROM approvals WHERE environment = ? AND verdict = 'approve'
            GROUP BY digest ORDER BY latest DESC LIMIT ?
            """, [environment, limit]
        ).compactMap { row in
            guard let digest = row.string(0).flatMap({ try? Digest(parsing: $0) }), let at = row.string(1).flatMap(Timestamp.parse) else { return nil }
            return (digest, at)
        }
    }
}
