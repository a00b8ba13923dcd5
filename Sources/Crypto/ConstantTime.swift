import COpenSSL

/// Comparisons whose timing does not depend on the bytes compared.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Time depends only on the length; different lengths
    /// return false at once (lengths of digests and MACs are public).
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                // CRYPTO_memcmp(3ssl): "returns 0 if the memory regions are equal and nonzero otherwise",
                // in time independent of the contents.
                copenssl_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0
            }
        }
    }
}
