import COpenSSL

/// A signing key of an algorithm `KeyPolicy` accepts, for tests, tooling and key generation.
///
/// `@unchecked Sendable`: the wrapped EVP_PKEY is fully built in `init` and never mutated afterwards; each
/// signature uses its own EVP_MD_CTX. openssl-threads(7ssl): "two threads can calculate a signature using two
/// different EVP_PKEY_CTX objects" over one key.
public final class PrivateKey: @unchecked Sendable {
    /// Upper bound on PEM text; an RSA-16384 PKCS#8 key is about 13 KB of PEM.
    static let maximumPEMBytes = 32 * 1024

    /// The matching public key.
    public let publicKey: PublicKey
    /// Owned EVP_PKEY, freed in deinit.
    private let key: OpaquePointer

    /// Generates a fresh key: `.ecdsaP256`, `.ecdsaP384`, `.ed25519` or `.rsa(bits:)` with 2048…16384 bits.
    /// - Throws: `KeyError` for a size the policy refuses, `OpenSSLError` if generation fails.
    public static func generate(_ algorithm: PublicKeyAlgorithm) throws -> PrivateKey {
        if case .rsa(let bits) = algorithm {
            guard bits >= KeyPolicy.minimumRSABits else {
                throw KeyError("RSA keys must be at least \(KeyPolicy.minimumRSABits) bits (requested \(bits))")
            }
            guard bits <= KeyPolicy.maximumRSABits else {
                throw KeyError("RSA keys must be at most \(KeyPolicy.maximumRSABits) bits (requested \(bits))")
            }
        }
        let name: String
        switch algorithm {
        case .ecdsaP256, .ecdsaP384: name = "EC"
        case .ed25519: name = "ED25519"
        case .rsa: name = "RSA"
        }
        ERR_clear_error()
        guard let context = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw OpenSSLError.drain("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLError.drain("EVP_PKEY_keygen_init") }
        switch algorithm {
        case .ecdsaP256:
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else { throw OpenSSLError.drain("EVP_PKEY_CTX_set_group_name") }
        case .ecdsaP384:
            guard EVP_PKEY_CTX_set_group_name(context, "P-384") == 1 else { throw OpenSSLError.drain("EVP_PKEY_CTX_set_group_name") }
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) > 0 else {
                throw OpenSSLError.drain("EVP_PKEY_CTX_set_rsa_keygen_bits")
            }
        case .ed25519:
            break
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else { throw OpenSSLError.drain("EVP_PKEY_generate") }
        return try PrivateKey(taking: key)
    }

    /// Parses an unencrypted PKCS#8 `PRIVATE KEY` PEM (also the traditional `EC PRIVATE KEY` / `RSA PRIVATE KEY`).
    public convenience init(pemEncoded: String) throws(KeyError) {
        let key = try PEMBlock.withSingleBlock(pemEncoded, maxBytes: Self.maximumPEMBytes) {
            (label, der) throws(KeyError) -> OpaquePointer in
            switch label {
            case "PRIVATE KEY":
                return try Self.parsePrivateKey(der) { d2i_AutoPrivateKey(nil, &$0, $1) }
            case "EC PRIVATE KEY":
                return try Self.parsePrivateKey(der) { d2i_PrivateKey(EVP_PKEY_EC, nil, &$0, $1) }
            case "RSA PRIVATE KEY":
                return try Self.parsePrivateKey(der) { d2i_PrivateKey(EVP_PKEY_RSA, nil, &$0, $1) }
            case "ENCRYPTED PRIVATE KEY":
                throw KeyError("encrypted private keys are not supported: supply an unencrypted PKCS#8 key")
            default:
                throw KeyError("not a PEM private key (expected \"PRIVATE KEY\")")
            }
        }
        try self.init(taking: key)
    }

    /// Takes ownership of `key` (freed here if its public half is refused by the policy).
    private init(taking key: OpaquePointer) throws(KeyError) {
        do throws(KeyError) {
            publicKey = try PublicKey(derEncoded: PublicKey.subjectPublicKeyInfo(of: key))
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public var pemEncoded: String {
        ERR_clear_error()
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("\(OpenSSLError.drain("BIO_new"))") }
        // BIO_free does not wipe; the mem BIO is cleared below before release (it holds the private key).
        defer { BIO_free(bio) }
        // Fails only on allocation failure: nothing a caller could handle.
        guard PEM_write_bio_PKCS8PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1 else {
            fatalError("\(OpenSSLError.drain("PEM_write_bio_PKCS8PrivateKey"))")
        }
        let pending = copenssl_bio_pending(bio)
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = BIO_read(bio, &bytes, Int32(clamping: pending))
        guard read == Int32(clamping: pending) else { fatalError("\(OpenSSLError.drain("BIO_read"))") }
        defer { bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ECDSA: DER signature with SHA-256 (P-384: SHA-384); Ed25519: raw 64 bytes; RSA: SHA-256 with `rsaPadding` (PSS: MGF1-SHA-256, salt 32).
    public func signature(for message: [UInt8], rsaPadding: RSASignaturePadding = .pss) throws -> [UInt8] {
        let digest: OpaquePointer?
        switch publicKey.algorithm {
        case .ecdsaP256, .rsa: digest = EVP_sha256()
        case .ecdsaP384: digest = EVP_sha384()
        case .ed25519: digest = nil   // PureEdDSA hashes internally; EVP requires a NULL digest
        }
        ERR_clear_error()
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLError.drain("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        // get0-style: `keyContext` belongs to `context` and is freed with it.
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, digest, nil, key) == 1 else { throw OpenSSLError.drain("EVP_DigestSignInit") }
        if case .rsa = publicKey.algorithm {
            guard let keyContext else { throw OpenSSLError.drain("EVP_DigestSignInit") }
            switch rsaPadding {
            case .pkcs1v15:
                guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) > 0 else {
                    throw OpenSSLError.drain("EVP_PKEY_CTX_set_rsa_padding")
                }
            case .pss:
                // Salt = digest length (32), the RFC 8017 §9.1 recommendation and what in-toto/securesystemslib use.
                guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) > 0,
                    EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, EVP_sha256()) > 0,
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, 32) > 0
                else { throw OpenSSLError.drain("EVP_PKEY_CTX_set_rsa_pss") }
            }
        }
        // EVP_PKEY_get_size(3ssl): the maximum signature size for this key.
        let capacity = Int(EVP_PKEY_get_size(key))
        guard capacity > 0 else { throw OpenSSLError.drain("EVP_PKEY_get_size") }
        var length = capacity
        var status: Int32 = 0
        let signature = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            status = message.withUnsafeBufferPointer { tbs in
                withUnsafePointer(to: UInt8(0)) { empty in
                    // One-shot EVP_DigestSign: required for Ed25519, equivalent to Update+Final for the others.
                    EVP_DigestSign(context, buffer.baseAddress, &length, tbs.baseAddress ?? empty, tbs.count)
                }
            }
            initialized = status == 1 && length <= capacity ? length : 0
        }
        guard status == 1, length <= capacity else { throw OpenSSLError.drain("EVP_DigestSign") }
        return signature
    }

    /// d2i over the whole buffer with `decode(&cursor, length)`; wrong framing or trailing bytes are refused.
    private static func parsePrivateKey(
        _ der: UnsafeBufferPointer<UInt8>, _ decode: (inout UnsafePointer<UInt8>?, Int) -> OpaquePointer?
    ) throws(KeyError) -> OpaquePointer {
        guard let start = der.baseAddress, !der.isEmpty else { throw KeyError("empty private key") }
        ERR_clear_error()
        var cursor: UnsafePointer<UInt8>? = start
        guard let key = decode(&cursor, der.count) else {
            ERR_clear_error()
            throw KeyError("not a valid private key")
        }
        guard let cursor, cursor == start + der.count else {
            EVP_PKEY_free(key)
            throw KeyError("unexpected data after the private key")
        }
        return key
    }
}
