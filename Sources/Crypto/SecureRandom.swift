import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    /// `count` random bytes from `RAND_bytes`; traps only if the CSPRNG itself is broken (never returns weak bytes).
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "SecureRandom.bytes: count out of range")
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            ERR_clear_error()
            // RAND_bytes(3ssl): "returns 1 on success, -1 if not supported by the current RAND method, or 0 on other failure".
            // Continuing with unfilled bytes would hand out predictable keys, salts or tokens.
            guard copenssl_rand_bytes(buffer.baseAddress, Int32(count)) == 1 else {
                fatalError("\(OpenSSLError.drain("RAND_bytes"))")
            }
            initialized = count
        }
    }
}
