import Crypto
import Domain

/// A registered trusted key together with its parsed public key, as the verifier needs them.
public struct TrustedVerificationKey: Sendable {
    /// The registration: id, name, state and restrictions.
    public let key: TrustedKey
    /// The parsed key that checks signatures.
    public let publicKey: PublicKey

    /// Pairs a registration with its parsed key; the verifier ignores pairs whose ids disagree.
    public init(key: TrustedKey, publicKey: PublicKey) {
        self.key = key
        self.publicKey = publicKey
    }
}
