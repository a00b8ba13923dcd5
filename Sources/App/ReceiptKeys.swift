import Crypto
import Domain
import SQLite
import Store
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's receipt keys: an Ed25519 key made on first start and kept in the database, rotatable;
/// receipts are compact JWS (RFC 7515, `alg` EdDSA) that a pipeline can verify offline against the JWKS.
public final class ReceiptKeys: Sendable {
    struct Loaded: Sendable {
        let signingKID: String
        let signingKey: PrivateKey
        /// The base64url JWS header for `signingKID`, encoded once.
        let encodedHeader: String
        /// Every key (retired ones too), for the JWKS.
        let published: [(kid: String, x: String)]
        /// The global fact epoch the keys were read under; nil when unknown (reloaded on the next check).
        let epoch: Int64?
    }

    private let database: Database
    private let clock: @Sendable () -> Date
    private let loaded = Mutex<Loaded?>(nil)

    public init(database: Database, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.clock = clock
    }

    /// Creates the first key if there is none, and loads the set.
    public func prepare() async throws {
        let now = clock()
        let keys = try await database.write { db in
            if try ReceiptKeyStore.all(in: db).isEmpty { try Self.addKey(at: now, in: db, actor: "system") }
            return try ReceiptKeyStore.all(in: db)
        }
        try load(keys)
    }

    /// Retires the signing key and makes a new one; the old one stays in the JWKS. Returns the new kid.
    @discardableResult
    public func rotate(actor: String) async throws -> String {
        let now = clock()
        let keys = try await database.write { db in
            try ReceiptKeyStore.retireAll(at: now, in: db)
            try Self.addKey(at: now, in: db, actor: actor)
            return try ReceiptKeyStore.all(in: db)
        }
        try load(keys)
        return loaded.withLock { $0?.signingKID ?? "" }
    }

    /// Reloads the keys when the global fact epoch moved since they were read (a rotation by another
    /// process, e.g. `shipgate receipt-key rotate` against the serving database, bumps it).
    func reload(ifChangedSince epoch: Int64, in db: SQLiteConnection) throws {
        guard loaded.withLock({ $0?.epoch }) != epoch else { return }
        try load(try ReceiptKeyStore.all(in: db), epoch: epoch)
    }

    /// The JWKS document served at `/api/v1/receipt-keys`.
    func jwks() throws -> [String: [[String: String]]] {
        guard let loaded = loaded.withLock({ $0 }) else { throw APIError.unavailable }
        return ["keys": loaded.published.map { ["kty": "OKP", "crv": "Ed25519", "x": $0.x, "kid": $0.kid, "use": "sig", "alg": "EdDSA"] }]
    }

    /// A compact JWS over the JSON `payload` with the current key.
    func sign(payload: [UInt8]) throws -> String {
        guard let loaded = loaded.withLock({ $0 }) else { throw APIError.unavailable }
        let signingInput = loaded.encodedHeader + "." + Base64URL.encode(payload)
        let signature = try loaded.signingKey.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    private func load(_ keys: [ReceiptKeyStore.StoredKey], epoch: Int64? = nil) throws {
        guard let current = keys.last(where: { $0.retiredAt == nil }) else { throw StoreError.invalid("no active receipt key") }
        let signingKey = try PrivateKey(pemEncoded: current.privateKeyPEM)
        var published: [(kid: String, x: String)] = []
        for key in keys {
            let publicKey = try PrivateKey(pemEncoded: key.privateKeyPEM).publicKey
            published.append((key.kid, Base64URL.encode(publicKey.derEncoded.suffix(32))))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = Base64URL.encode(Array(try encoder.encode(["alg": "EdDSA", "kid": current.kid, "typ": "JWT"])))
        loaded.withLock { $0 = Loaded(signingKID: current.kid, signingKey: signingKey, encodedHeader: header, published: published, epoch: epoch) }
    }

    private static func addKey(at now: Date, in db: SQLiteConnection, actor: String) throws {
        let key = try PrivateKey.generate(.ed25519)
        // The kid is a short, stable name derived from the public key.
        let kid = String(key.publicKey.id.prefix(16))
        try ReceiptKeyStore.insert(kid: kid, privateKeyPEM: key.pemEncoded, at: now, in: db)
        try AuditLog.append(actor: actor, action: "receipt-key.create", subject: "receipt-key:" + kid, at: now, in: db)
    }
}
