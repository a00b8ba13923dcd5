/// An API token scope: one capability on `/api/v1`.
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    case evidenceWrite = "evidence:write"
    case clearanceRead = "clearance:read"
    case deploymentsWrite = "deployments:write"
    case approvalsWrite = "approvals:write"
    case admin = "admin"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}
