/// The signature algorithms Shipgate accepts for keys (see `KeyPolicy`).
public enum PublicKeyAlgorithm: Sendable, Equatable {
    /// ECDSA on NIST P-256 (prime256v1).
    case ecdsaP256
    /// ECDSA on NIST P-384 (secp384r1).
    case ecdsaP384
    /// Ed25519 (RFC 8032, PureEdDSA).
    case ed25519
    /// RSA with a modulus of `bits` bits (2048…16384).
    case rsa(bits: Int)
}
