import Crypto
import Domain
import HTTPCore
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns `Authorization: Bearer sgt_…` into a principal: unknown, revoked and expired tokens are all a 401.
struct Authenticator: Sendable {
    let database: Database
    let clock: @Sendable () -> Date

    /// The principal behind the request's bearer token.
    func authenticate(_ request: HTTPRequest) async throws -> Principal {
        let values = request.headers.values(for: "Authorization")
        guard values.count == 1, let secret = Self.bearerToken(values[0]), TokenSecret.isWellFormed(secret) else {
            throw APIError.unauthenticated
        }
        let hash = TokenSecret.hash(secret)
        let found: (APIToken, User?)? = try await database.read { db in
            guard let token = try TokenStore.find(hash: hash, in: db) else { return nil }
            return (token, try token.user.flatMap { try UserStore.find($0, in: db) })
        }
        guard let (token, user) = found, token.isUsable(at: clock()) else { throw APIError.unauthenticated }
        if let owner = token.user {
            // A token whose user vanished must not fall back to a service identity.
            guard let user else { throw APIError.unauthenticated }
            return Principal(name: owner, user: owner, role: user.role, grantedScopes: token.scopes)
        }
        return Principal(name: "token:" + token.name, user: nil, role: nil, grantedScopes: token.scopes)
    }

    /// The credentials of a `Bearer` authorization value (scheme case-insensitive, RFC 9110 §11.1).
    static func bearerToken(_ value: String) -> String? {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }
}

/// API token secrets: `sgt_` + 43 characters of base64url (256 random bits); only their SHA-256 is stored.
enum TokenSecret {
    static let prefix = "sgt_"

    /// A new secret.
    static func make() -> String { prefix + Base64URL.encode(SecureRandom.bytes(count: 32)) }

    /// A new public token id.
    static func makeID() -> String { RandomID.make("tok", bytes: 8) }

    /// Cheap shape check before any database work.
    static func isWellFormed(_ secret: String) -> Bool {
        secret.utf8.count == prefix.utf8.count + 43 && secret.hasPrefix(prefix)
            && secret.utf8.dropFirst(4).allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
            }
    }

    /// The stored form: lowercase hex SHA-256 of the whole secret.
    static func hash(_ secret: String) -> String { SHA256.hexDigest(Array(secret.utf8)) }
}

