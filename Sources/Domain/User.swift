#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A person who can sign in to the dashboard or own API tokens.
public struct User: Sendable, Equatable {
    public let name: String
    public var role: Role
    /// The encoded scrypt hash; never serialised to clients.
    public var passwordHash: String
    public let createdAt: Date
    public var passwordChangedAt: Date

    public init(name: String, role: Role, passwordHash: String, createdAt: Date, passwordChangedAt: Date) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.passwordChangedAt = passwordChangedAt
    }
}
