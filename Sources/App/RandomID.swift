import Crypto

/// Public identifiers of stored records: a short kind prefix and random hex, e.g. `apr_9f…`.
enum RandomID {
    /// `prefix_` followed by `bytes` random bytes as lowercase hex.
    static func make(_ prefix: String, bytes: Int = 10) -> String {
        prefix + "_" + SecureRandom.bytes(count: bytes).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
