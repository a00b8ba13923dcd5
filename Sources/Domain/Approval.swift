#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A person's verdict on a digest for one environment.
public struct Approval: Sendable, Equatable, Codable {
    public enum Verdict: String, Sendable, Codable {
        case approve
        case reject
    }

    public var id: String
    public var digest: Digest
    public var environment: String
    public var verdict: Verdict
    /// The user who gave it.
    public var user: String
    /// The user's role when they gave it.
    public var role: Role
    public var comment: String
    public var at: Date

    public init(id: String, digest: Digest, environment: String, verdict: Verdict, user: String, role: Role, comment: String, at: Date) {
        self.id = id
        self.digest = digest
        self.environment = environment
        self.verdict = verdict
        self.user = user
        self.role = role
        self.comment = comment
        self.at = at
    }
}

/// An exception for one vulnerability id, scoped to a digest or a repository pattern, until it expires.
public struct Waiver: Sendable, Equatable, Codable {
    public var id: String
    /// CVE-…, GHSA-…, or a scanner rule id.
    public var vulnerability: String
    /// Set for a digest-scoped waiver.
    public var digest: Digest?
    /// Set for a repository-scoped waiver (`registry.example.com/team/*`).
    public var repositoryPattern: String?
    /// Nil: every environment.
    public var environment: String?
    public var justification: String
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        id: String, vulnerability: String, digest: Digest?, repositoryPattern: String?, environment: String?, justification: String,
        createdBy: String, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.vulnerability = vulnerability
        self.digest = digest
        self.repositoryPattern = repositoryPattern
        self.environment = environment
        self.justification = justification
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// Whether the waiver is in force at `now`.
    public func isActive(at now: Date) -> Bool { now < expiresAt }
}

/// An admin's forced clearance: short-lived, loudly flagged, until an approver confirms it or it expires.
public struct BreakGlass: Sendable, Equatable, Codable {
    public var id: String
    public var digest: Digest
    public var environment: String
    public var justification: String
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date
    public var confirmedBy: String?
    public var confirmedAt: Date?

    public init(
        id: String, digest: Digest, environment: String, justification: String, createdBy: String, createdAt: Date, expiresAt: Date,
        confirmedBy: String? = nil, confirmedAt: Date? = nil
    ) {
        self.id = id
        self.digest = digest
        self.environment = environment
        self.justification = justification
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.confirmedBy = confirmedBy
        self.confirmedAt = confirmedAt
    }

    public func isActive(at now: Date) -> Bool { now < expiresAt }
}
