import Crypto
import Domain
import HTTPCore
import SQLite
import Store
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns `Authorization: Bearer sgt_…` into a principal: unknown, revoked and expired tokens are all a 401.
struct Authenticator: Sendable {
    let database: Database
    let clock: @Sendable () -> Date
    /// Known tokens by hash, reused while the authentication epoch (bumped by any token or user change) holds.
    let known = KnownTokens()

    /// The principal behind the request's bearer token.
    func authenticate(_ request: HTTPRequest) async throws -> Principal {
        try await database.read { db in try authenticate(request, in: db) }
    }

    /// The same, inside the caller's read snapshot (a route that answers from one read shares it).
    func authenticate(_ request: HTTPRequest, in db: SQLiteConnection) throws -> Principal {
        let values = request.headers.values(for: "Authorization")
        guard values.count == 1, let secret = Self.bearerToken(values[0]), TokenSecret.isWellFormed(secret) else {
            throw APIError.unauthenticated
        }
        let hash = TokenSecret.hash(secret)
        let epoch = try FactEpochs.authentication(in: db)
        let found: (APIToken, User?)
        if let hit = known.lookup(hash, epoch: epoch) {
            found = hit
        } else {
            guard let token = try TokenStore.find(hash: hash, in: db) else { throw APIError.unauthenticated }
            let user = try token.user.flatMap { try UserStore.find($0, in: db) }
            known.store(hash, token: token, user: user, epoch: epoch)
            found = (token, user)
        }
        let (token, user) = found
        guard token.isUsable(at: clock()) else { throw APIError.unauthenticated }
        if let owner = token.user {
            // A token whose user vanished must not fall back to a service identity.
            guard let user else { throw APIError.unauthenticated }
            return Principal(name: owner, user: owner, role: user.role, grantedScopes: token.scopes)
        }
        return Principal(name: "token:" + token.name, user: nil, role: nil, grantedScopes: token.scopes)
    }

    /// The credentials of a `Bearer` authorization value (scheme case-insensitive, RFC 9110 §11.1).
    static func bearerToken(_ value: String) -> String? {
        let bytes = value.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        // `| 0x20` folds ASCII case; only B/b give b, E/e give e, and so on.
        guard bytes.distance(from: bytes.startIndex, to: space) == 6,
            zip(bytes[..<space], "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 })
        else { return nil }
        let credentials = bytes[space...].drop { $0 == UInt8(ascii: " ") }
        guard !credentials.isEmpty, !credentials.contains(UInt8(ascii: " ")) else { return nil }
        return String(Substring(credentials))
    }
}

/// Tokens found by hash and the authentication epoch they were read under. Only tokens that exist are kept
/// (unknown secrets cannot fill it), and it is bounded: full means cleared.
final class KnownTokens: Sendable {
    private struct Known {
        let token: APIToken
        let user: User?
        let epoch: Int64
    }

    static let capacity = 4096
    private let entries = Mutex<[String: Known]>([:])

    /// The token and its user when they were read under `epoch`, the current one.
    func lookup(_ hash: String, epoch: Int64) -> (APIToken, User?)? {
        entries.withLock { entries in
            guard let known = entries[hash], known.epoch == epoch else { return nil }
            return (known.token, known.user)
        }
    }

    func store(_ hash: String, token: APIToken, user: User?, epoch: Int64) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Known(token: token, user: user, epoch: epoch)
        }
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

