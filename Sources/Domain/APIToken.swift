#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An API token as stored: the secret is represented only by its SHA-256.
public struct APIToken: Sendable, Equatable {
    /// Public identifier, safe to show and log (`tok_` + 16 hex).
    public let id: String
    public let name: String
    /// Lowercase hex SHA-256 of the whole secret.
    public let tokenHash: String
    public let scopes: Set<Scope>
    /// The user this token acts as; nil for a service identity named by `name`.
    public let user: String?
    public let createdBy: String
    public let createdAt: Date
    public let expiresAt: Date?
    public var revokedAt: Date?

    public init(
        id: String, name: String, tokenHash: String, scopes: Set<Scope>, user: String?, createdBy: String,
        createdAt: Date, expiresAt: Date?, revokedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.tokenHash = tokenHash
        self.scopes = scopes
        self.user = user
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may be used at `now`: not revoked and not expired.
    public func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}
