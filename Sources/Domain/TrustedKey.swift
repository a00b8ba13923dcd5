#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The signature algorithms of trusted keys.
public enum KeyAlgorithm: String, Sendable, Codable {
    case ecdsaP256 = "ecdsa-p256"
    case ecdsaP384 = "ecdsa-p384"
    case ed25519 = "ed25519"
    case rsa = "rsa"
}

/// A public key an admin registered to verify attestation signatures, with its restrictions.
public struct TrustedKey: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
    public let id: String
    public let name: String
    public let algorithm: KeyAlgorithm
    /// RSA modulus bits, curve bits for ECDSA, 256 for Ed25519.
    public let bits: Int
    /// The SPKI as PEM, exactly as normalised at registration.
    public let publicKeyPEM: String
    /// Empty means any predicate type.
    public let predicateTypes: [String]
    /// Empty means any builder; otherwise SLSA provenance signed by this key must name one of these builder ids.
    public let builderIDs: [String]
    /// Empty means any subject; otherwise every sha256 subject name must match one pattern (`*` matches within a path segment run).
    public let subjectPatterns: [String]
    public let createdBy: String
    public let createdAt: Date
    public var revokedAt: Date?

    public init(
        id: String, name: String, algorithm: KeyAlgorithm, bits: Int, publicKeyPEM: String, predicateTypes: [String], builderIDs: [String],
        subjectPatterns: [String], createdBy: String, createdAt: Date, revokedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.algorithm = algorithm
        self.bits = bits
        self.publicKeyPEM = publicKeyPEM
        self.predicateTypes = predicateTypes
        self.builderIDs = builderIDs
        self.subjectPatterns = subjectPatterns
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isActive: Bool { revokedAt == nil }
}
