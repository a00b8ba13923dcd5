import COpenSSL

/// A signature-verification public key accepted by `KeyPolicy`: ECDSA P-256/P-384, Ed25519 or RSA 2048…16384 bits.
///
/// `@unchecked Sendable`: the wrapped EVP_PKEY is fully built in `init` and never mutated afterwards; every
/// verification creates its own EVP_MD_CTX / EVP_PKEY_CTX. openssl-threads(7ssl): "Objects are thread-safe as
/// long as the API's being invoked don't modify the object", e.g. two threads verifying with one key.
public final class PublicKey: @unchecked Sendable {
    /// Upper bound on PEM text and DER input; an RSA-16384 SubjectPublicKeyInfo is about 2.1 KB of DER.
    static let maximumEncodedBytes = 16 * 1024

    /// The key's algorithm (and modulus size for RSA).
    public let algorithm: PublicKeyAlgorithm
    /// SubjectPublicKeyInfo DER, re-encoded by OpenSSL (`i2d_PUBKEY`); EC points always in uncompressed form.
    public let derEncoded: [UInt8]
    /// Owned EVP_PKEY, freed in deinit.
    let key: OpaquePointer

    /// Parses one `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) PEM block; anything else around it is refused.
    public convenience init(pemEncoded: String) throws(KeyError) {
        let key = try PEMBlock.withSingleBlock(pemEncoded, maxBytes: Self.maximumEncodedBytes) {
            (label, der) throws(KeyError) -> OpaquePointer in
            switch label {
            case "PUBLIC KEY":
                return try Self.parseSubjectPublicKeyInfo(der)
            case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY":
                throw KeyError("this is a private key: supply only its public key (PEM \"PUBLIC KEY\")")
            case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE":
                throw KeyError("certificates are not accepted here: supply the certificate's public key (PEM \"PUBLIC KEY\")")
            case "RSA PUBLIC KEY":
                throw KeyError("PKCS#1 \"RSA PUBLIC KEY\" is not accepted: supply a SubjectPublicKeyInfo (PEM \"PUBLIC KEY\")")
            default:
                throw KeyError("not a PEM public key (SubjectPublicKeyInfo)")
            }
        }
        try self.init(taking: key)
    }

    /// Parses SubjectPublicKeyInfo DER; trailing bytes are refused.
    public convenience init(derEncoded: [UInt8]) throws(KeyError) {
        guard derEncoded.count <= Self.maximumEncodedBytes else {
            throw KeyError("public key is too large (at most \(Self.maximumEncodedBytes) bytes)")
        }
        let key = try derEncoded.withUnsafeBufferPointer { (der) throws(KeyError) -> OpaquePointer in
            try Self.parseSubjectPublicKeyInfo(der)
        }
        try self.init(taking: key)
    }

    /// Raw 32-byte Ed25519 public key (securesystemslib/JWK style).
    public convenience init(ed25519Raw: [UInt8]) throws(KeyError) {
        // EVP_PKEY_new_raw_public_key would also refuse other lengths; checking first keeps C away from bad input.
        guard ed25519Raw.count == 32 else {
            throw KeyError("an Ed25519 public key is exactly 32 bytes (this one has \(ed25519Raw.count))")
        }
        ERR_clear_error()
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, ed25519Raw, ed25519Raw.count) else {
            ERR_clear_error()
            throw KeyError("invalid Ed25519 public key")
        }
        try self.init(taking: key)
    }

    /// Takes ownership of `key` (freed here if the policy refuses it).
    init(taking key: OpaquePointer) throws(KeyError) {
        do throws(KeyError) {
            algorithm = try KeyPolicy.algorithm(of: key)
            if algorithm == .ecdsaP256 || algorithm == .ecdsaP384 {
                // One key, one id: a compressed-point SPKI would otherwise re-encode (and hash) differently.
                // Safe to set here: the key is not shared until init returns.
                guard EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) == 1
                else {
                    ERR_clear_error()
                    throw KeyError("could not encode the EC public key")
                }
            }
            derEncoded = try Self.subjectPublicKeyInfo(of: key)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Lowercase hex SHA-256 of `derEncoded`.
    public var id: String { SHA256.hexDigest(derEncoded) }

    /// `-----BEGIN PUBLIC KEY-----` PEM of `derEncoded` (64-character lines, trailing newline).
    public var pemEncoded: String {
        let base64 = Array(Base64.encode(derEncoded).utf8)
        var text = "-----BEGIN PUBLIC KEY-----\n"
        for start in stride(from: 0, to: base64.count, by: 64) {
            text += String(decoding: base64[start..<min(start + 64, base64.count)], as: UTF8.self) + "\n"
        }
        return text + "-----END PUBLIC KEY-----\n"
    }

    /// d2i_PUBKEY over the whole buffer; the caller owns the returned EVP_PKEY.
    private static func parseSubjectPublicKeyInfo(_ der: UnsafeBufferPointer<UInt8>) throws(KeyError) -> OpaquePointer {
        guard let start = der.baseAddress, !der.isEmpty else { throw KeyError("empty public key") }
        ERR_clear_error()
        var cursor: UnsafePointer<UInt8>? = start
        // d2i_PUBKEY(3ssl) advances `cursor` past the bytes it consumed.
        guard let key = d2i_PUBKEY(nil, &cursor, der.count) else {
            ERR_clear_error()
            throw KeyError("not a valid public key (SubjectPublicKeyInfo)")
        }
        guard let cursor, cursor == start + der.count else {
            EVP_PKEY_free(key)
            throw KeyError("unexpected data after the public key")
        }
        return key
    }

    /// i2d_PUBKEY of a borrowed key.
    static func subjectPublicKeyInfo(of key: OpaquePointer) throws(KeyError) -> [UInt8] {
        ERR_clear_error()
        // i2d_PUBKEY(3ssl): with a NULL output it returns the encoded length only.
        let count = Int(i2d_PUBKEY(key, nil))
        guard count > 0, count <= maximumEncodedBytes else {
            ERR_clear_error()
            throw KeyError("could not encode the public key")
        }
        var written: Int32 = 0
        let der = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var cursor = buffer.baseAddress
            written = i2d_PUBKEY(key, &cursor)
            initialized = written == count ? count : 0
        }
        guard written == count else {
            ERR_clear_error()
            throw KeyError("could not encode the public key")
        }
        return der
    }
}
