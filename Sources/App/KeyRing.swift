import Crypto
import Domain
import Evidence
import SQLite
import Store
import Synchronization

/// The active trusted keys, parsed once and reused until the key set changes in the database
/// (by this server or by the CLI): every verification first compares a cheap fingerprint.
final class KeyRing: Sendable {
    private let cache = Mutex<(fingerprint: String, keys: [TrustedVerificationKey])?>(nil)

    /// The keys to verify with now; revoked keys are never included.
    func activeKeys(in db: SQLiteConnection) throws -> [TrustedVerificationKey] {
        let fingerprint = try KeyStore.fingerprint(in: db)
        if let cached = cache.withLock({ $0 }), cached.fingerprint == fingerprint { return cached.keys }
        var keys: [TrustedVerificationKey] = []
        for key in try KeyStore.all(in: db) where key.isActive {
            // A stored key that no longer parses is skipped, never trusted.
            guard let publicKey = try? PublicKey(pemEncoded: key.publicKeyPEM) else { continue }
            keys.append(TrustedVerificationKey(key: key, publicKey: publicKey))
        }
        cache.withLock { $0 = (fingerprint, keys) }
        return keys
    }
}
