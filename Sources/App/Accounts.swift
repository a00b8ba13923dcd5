import Crypto
import Domain
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Users and API tokens: the operations the API and the CLI share, each validated once and audited
/// in the same transaction as the change.
public struct Accounts: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let clock: @Sendable () -> Date

    public init(database: Database, hasher: PasswordHasher = PasswordHasher(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.hasher = hasher
        self.clock = clock
    }

    /// Passwords: at least 12 characters (Unicode scalars, as the API document counts them) and at most
    /// 1024 bytes. Long passphrases are welcome; the byte cap bounds hashing work.
    static func validatePassword(_ password: String) throws {
        guard password.unicodeScalars.count >= 12 else { throw APIError.invalid("password must be at least 12 characters") }
        guard password.utf8.count <= 1024 else { throw APIError.invalid("password must be at most 1024 bytes") }
    }

    static func validateName(_ name: String, what: String) throws {
        guard Naming.isValidName(name) else {
            throw APIError.invalid("\(what) name must be 1–64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
    }

    /// Creates a user; 409 if the name is taken.
    public func createUser(name: String, role: Role, password: String, actor: String) async throws -> User {
        try Self.validateName(name, what: "user")
        try Self.validatePassword(password)
        let hash = try await hashPassword(password)
        let now = clock()
        let user = User(name: name, role: role, passwordHash: hash, createdAt: now, passwordChangedAt: now)
        try await database.write { db in
            try UserStore.insert(user, in: db)
            try AuditLog.append(actor: actor, action: "user.create", subject: "user:" + name, details: ["role": role.rawValue], at: now, in: db)
        }
        return user
    }

    /// Replaces a user's password; 404 for an unknown user.
    public func setPassword(name: String, password: String, actor: String) async throws {
        try Self.validatePassword(password)
        let hash = try await hashPassword(password)
        let now = clock()
        try await database.write { db in
            try UserStore.setPasswordHash(hash, for: name, at: now, in: db)
            try AuditLog.append(actor: actor, action: "user.password", subject: "user:" + name, at: now, in: db)
        }
    }

    /// Whether `password` is the user's; false for unknown users too, after the same work, so timing does not tell them apart.
    public func checkPassword(name: String, password: String) async throws -> User? {
        let user = try await database.read { db in try UserStore.find(name, in: db) }
        let encoded = user?.passwordHash ?? Self.decoyHash
        let matches = try await verifyPassword(password, encoded)
        return matches ? user : nil
    }

    /// Creates the `admin` user on an empty database; returns the password when it was generated here.
    public func bootstrapAdmin(password given: String?) async throws -> (created: Bool, generatedPassword: String?) {
        let count = try await database.read { db in try UserStore.count(in: db) }
        guard count == 0 else { return (false, nil) }
        let password = given ?? Base64URL.encode(SecureRandom.bytes(count: 18))
        _ = try await createUser(name: "admin", role: .admin, password: password, actor: "system")
        return (true, given == nil ? password : nil)
    }

    /// Issues a token; the secret is returned once and only its hash is kept.
    public func issueToken(name: String, scopes: Set<Scope>, user: String?, expiresAt: Date?, actor: String) async throws -> (APIToken, String) {
        try Self.validateName(name, what: "token")
        guard !scopes.isEmpty else { throw APIError.invalid("a token needs at least one scope") }
        let now = clock()
        if let expiresAt, expiresAt <= now { throw APIError.invalid("expiresAt must be in the future") }
        let secret = TokenSecret.make()
        let token = APIToken(
            id: TokenSecret.makeID(), name: name, tokenHash: TokenSecret.hash(secret), scopes: scopes, user: user, createdBy: actor,
            createdAt: now, expiresAt: expiresAt, revokedAt: nil)
        try await database.write { db in
            if let user, try UserStore.find(user, in: db) == nil { throw APIError.invalid("no user named '\(user)'") }
            try TokenStore.insert(token, in: db)
            var details = ["name": name, "scopes": scopes.map(\.rawValue).sorted().joined(separator: " ")]
            if let user { details["user"] = user }
            if let expiresAt { details["expiresAt"] = Timestamp.format(expiresAt) }
            try AuditLog.append(actor: actor, action: "token.create", subject: "token:" + token.id, details: details, at: now, in: db)
        }
        return (token, secret)
    }

    /// Revokes a token; 404 for an unknown id. Revoking twice is not an error and is audited once.
    public func revokeToken(id: String, actor: String) async throws {
        let now = clock()
        try await database.write { db in
            if try TokenStore.revoke(id: id, at: now, in: db) {
                try AuditLog.append(actor: actor, action: "token.revoke", subject: "token:" + id, at: now, in: db)
            }
        }
    }

    /// Every token, without secrets.
    public func tokens() async throws -> [APIToken] {
        try await database.read { db in try TokenStore.all(in: db) }
    }

    /// Every user.
    public func users() async throws -> [User] {
        try await database.read { db in try UserStore.all(in: db) }
    }

    // scrypt takes ~100 ms and 32 MiB: it runs on two dedicated threads, never on the cooperative pool
    // (one thread per core) nor on the dispatch pool the database queues need.
    private static let workers = BlockingWorkers(count: 2, name: "shipgate-scrypt")

    private func hashPassword(_ password: String) async throws -> String {
        let hasher = self.hasher
        return try await Self.workers.run { try hasher.hash(password: password) }
    }

    private func verifyPassword(_ password: String, _ encoded: String) async throws -> Bool {
        let hasher = self.hasher
        return try await Self.workers.run { try hasher.verify(password: password, against: encoded) }
    }

    /// A valid hash of a random password, checked against for unknown users.
    private static let decoyHash: String = (try? PasswordHasher().hash(password: Base64URL.encode(SecureRandom.bytes(count: 24)))) ?? ""
}
