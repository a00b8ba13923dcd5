import COpenSSL

/// The scrypt key-derivation function (RFC 7914) via `EVP_PBE_scrypt`.
package enum Scrypt {
    /// Bytes OpenSSL requires as `maxmem` for these parameters, plus headroom.
    ///
    /// OpenSSL 3.0 (crypto/evp/pbe_scrypt.c → kdf_scrypt.c) refuses unless `maxmem >= 128·r·p + 128·r·(N+2)`;
    /// its default cap (32 MiB) is just below what N=2^15, r=8 needs, so the value is always passed explicitly.
    /// Returns nil on overflow.
    package static func requiredMemory(n: UInt64, r: UInt64, p: UInt64) -> UInt64? {
        let (v, o1) = n.addingReportingOverflow(2)
        let (vBlocks, o2) = v.multipliedReportingOverflow(by: r)
        let (vBytes, o3) = vBlocks.multipliedReportingOverflow(by: 128)
        let (bBlocks, o4) = p.multipliedReportingOverflow(by: r)
        let (bBytes, o5) = bBlocks.multipliedReportingOverflow(by: 128)
        let (sum, o6) = vBytes.addingReportingOverflow(bBytes)
        let (total, o7) = sum.addingReportingOverflow(1 << 20)
        guard !(o1 || o2 || o3 || o4 || o5 || o6 || o7) else { return nil }
        return total
    }

    /// Derives `length` bytes. Callers bound the parameters first: this function trusts them.
    /// - Throws: `OpenSSLError` when OpenSSL rejects the parameters or cannot allocate.
    package static func deriveKey(
        password: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, length: Int
    ) throws -> [UInt8] {
        precondition(length > 0, "scrypt output length must be positive")
        guard let maxmem = requiredMemory(n: n, r: r, p: p) else {
            throw OpenSSLError(operation: "EVP_PBE_scrypt", details: ["parameters overflow the memory computation"])
        }
        var key = [UInt8](repeating: 0, count: length)
        let rc = password.withUnsafeBytes { pass in
            salt.withUnsafeBytes { saltBytes in
                key.withUnsafeMutableBytes { out in
                    ERR_clear_error()
                    // EVP_PBE_scrypt(3ssl): "returns 1 on success and 0 on error"; N must be a power of two > 1.
                    return copenssl_pbe_scrypt(
                        pass.baseAddress, pass.count, saltBytes.baseAddress, saltBytes.count,
                        n, r, p, maxmem, out.baseAddress, out.count)
                }
            }
        }
        guard rc == 1 else { throw OpenSSLError.drain("EVP_PBE_scrypt") }
        return key
    }
}
