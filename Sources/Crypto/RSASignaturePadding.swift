/// The padding scheme of an RSA signature made by `PrivateKey` (verification accepts both).
public enum RSASignaturePadding: Sendable {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    case pkcs1v15
    /// RSASSA-PSS (RFC 8017 §8.1) with MGF1-SHA-256.
    case pss
}
