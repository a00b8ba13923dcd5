import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Approvals, waivers and break-glass: the human inputs of a decision.
public enum DecisionStore {
    // MARK: Approvals

    public static func insert(_ approval: Approval, in db: SQLiteConnection) throws {
        try db.execute(
            "INSERT INTO approvals (id, digest, environment, verdict, user_name, role, comment, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                approval.id, approval.digest.rawValue, approval.environment, approval.verdict.rawValue, approval.user, approval.role.rawValue,
                approval.comment, Timestamp.format(approval.at),
            ])
    }

    /// Every approval or rejection of `digest` for `environment`, oldest first.
    public static func approvals(digest: Digest, environment: String, in db: SQLiteConnection) throws -> [Approval] {
        try db.query(
            "SELECT id, verdict, user_name, role, comment, at FROM approvals WHERE digest = ? AND environment = ? ORDER BY at, id",
            [digest.rawValue, environment]
        ).map { row in
            guard let id = row.string(0), let verdict = row.string(1).flatMap(Approval.Verdict.init(rawValue:)), let user = row.string(2),
                let role = row.string(3).flatMap(Role.init(rawValue:)), let comment = row.string(4), let at = row.string(5).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable approvals row") }
            return Approval(id: id, digest: digest, environment: environment, verdict: verdict, user: user, role: role, comment: comment, at: at)
        }
    }

    // MARK: Waivers

    public static func insert(_ waiver: Waiver, in db: SQLiteConnection) throws {
        try db.execute(
            """
            INSERT INTO waivers (id, vulnerability, digest, repository_pattern, environment, justification, created_by, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                waiver.id, waiver.vulnerability, waiver.digest?.rawValue, waiver.repositoryPattern, waiver.environment, waiver.justification,
                waiver.createdBy, Timestamp.format(waiver.createdAt), Timestamp.format(waiver.expiresAt),
            ])
    }

    /// Waivers that may apply to `digest`: its own, and every repository-scoped one, not expired at `now`.
    public static func candidateWaivers(digest: Digest, at now: Date, in db: SQLiteConnection) throws -> [Waiver] {
        try db.query(
            """
            SELECT id, vulnerability, digest, repository_pattern, environment, justification, created_by, created_at, expires_at FROM waivers
            WHERE (digest = ? OR repository_pattern IS NOT NULL) AND expires_at > ? ORDER BY created_at, id
            """, [digest.rawValue, Timestamp.format(now)]
        ).map(waiver)
    }

    /// Every waiver, newest first (for listings).
    public static func waivers(limit: Int, in db: SQLiteConnection) throws -> [Waiver] {
        try db.query(
            """
            SELECT id, vulnerability, digest, repository_pattern, environment, justification, created_by, created_at, expires_at FROM waivers
            ORDER BY created_at DESC, id LIMIT ?
            """, [limit]
        ).map(waiver)
    }

    /// The findings of `scanIDs` whose vulnerability id is one of `vulnerabilities`, by scan id.
    public static func findings(scanIDs: [String], vulnerabilities: Set<String>, in db: SQLiteConnection) throws -> [String: [Finding]] {
        var result: [String: [Finding]] = [:]
        guard !vulnerabilities.isEmpty else { return result }
        for scanID in scanIDs {
            for vulnerability in vulnerabilities.sorted() {
                let rows = try db.query(
                    """
                    SELECT vulnerability_id, package, installed_version, fixed_version, severity, status, title, url FROM scan_findings
                    WHERE scan_id = ? AND vulnerability_id = ?
                    """, [scanID, vulnerability])
                for row in rows {
                    guard let id = row.string(0), let package = row.string(1), let installed = row.string(2),
                        let severity = row.string(4).flatMap(Severity.init(rawValue:))
                    else { throw StoreError.invalid("unreadable scan_findings row") }
                    result[scanID, default: []].append(
                        Finding(
                            id: id, package: package, installedVersion: installed, fixedVersion: row.string(3), severity: severity,
                            status: row.string(5), title: row.string(6), url: row.string(7)))
                }
            }
        }
        return result
    }

    private static func waiver(_ row: Row) throws -> Waiver {
        guard let id = row.string(0), let vulnerability = row.string(1), let justification = row.string(5), let by = row.string(6),
            let created = row.string(7).flatMap(Timestamp.parse), let expires = row.string(8).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable waivers row") }
        let digest = try row.string(2).map { text -> Digest in
            guard let digest = try? Digest(parsing: text) else { throw StoreError.invalid("unreadable digest in waivers") }
            return digest
        }
        return Waiver(
            id: id, vulnerability: vulnerability, digest: digest, repositoryPattern: row.string(3), environment: row.string(4),
            justification: justification, createdBy: by, createdAt: created, expiresAt: expires)
    }

    // MARK: Break-glass

    public static func insert(_ breakGlass: BreakGlass, in db: SQLiteConnection) throws {
        try db.execute(
            """
            INSERT INTO break_glass (id, digest, environment, justification, created_by, created_at, expires_at, confirmed_by, confirmed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                breakGlass.id, breakGlass.digest.rawValue, breakGlass.environment, breakGlass.justification, breakGlass.createdBy,
                Timestamp.format(breakGlass.createdAt), Timestamp.format(breakGlass.expiresAt), breakGlass.confirmedBy,
                breakGlass.confirmedAt.map(Timestamp.format),
            ])
    }

    /// Records that an approver confirmed a break-glass.
    public static func confirmBreakGlass(id: String, by user: String, at date: Date, in db: SQLiteConnection) throws {
        try db.execute(
            "UPDATE break_glass SET confirmed_by = ?, confirmed_at = ? WHERE id = ? AND confirmed_by IS NULL", [user, Timestamp.format(date), id])
    }

    /// The newest break-glass for `digest` in `environment`.
    public static func latestBreakGlass(digest: Digest, environment: String, in db: SQLiteConnection) throws -> BreakGlass? {
        try db.queryOne(
            """
            SELECT id, justification, created_by, created_at, expires_at, confirmed_by, confirmed_at FROM break_glass
            WHERE digest = ? AND environment = ? ORDER BY created_at DESC, id DESC LIMIT 1
            """, [digest.rawValue, environment]
        ).map { row in
            guard let id = row.string(0), let justification = row.string(1), let by = row.string(2),
                let created = row.string(3).flatMap(Timestamp.parse), let expires = row.string(4).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable break_glass row") }
            return BreakGlass(
                id: id, digest: digest, environment: environment, justification: justification, createdBy: by, createdAt: created,
                expiresAt: expires, confirmedBy: row.string(5), confirmedAt: row.string(6).flatMap(Timestamp.parse))
        }
    }
}
