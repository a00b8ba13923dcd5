import COpenSSL

/// SHA-256 digests (FIPS 180-4) through OpenSSL's EVP interface.
public enum SHA256 {
    /// The 32-byte SHA-256 digest of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if let digest = bytes.withContiguousStorageIfAvailable({ digest(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { digest($0) }
    }

    /// The SHA-256 digest of `bytes` as 64 lowercase hex characters.
    public static func hexDigest(_ bytes: some Collection<UInt8>) -> String {
        Hex.encode(hash(bytes))
    }

    private static func digest(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            // A one-shot EVP_Digest keeps the EVP_MD_CTX inside OpenSSL for the duration of this call only.
            // It fails only on allocation failure or a broken provider: nothing a caller could handle.
            guard copenssl_sha256(input.baseAddress, input.count, out.baseAddress) == 1 else {
                fatalError("\(OpenSSLError.drain("EVP_Digest(SHA-256)"))")
            }
            count = 32
        }
    }
}

/// Lowercase hexadecimal encoding.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
