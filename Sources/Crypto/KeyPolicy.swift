import COpenSSL

/// Which public keys Shipgate accepts: ECDSA on P-256 / P-384 (named curves only), Ed25519, RSA 2048…16384 bits.
enum KeyPolicy {
    static let minimumRSABits = 2048
    /// OpenSSL's own ceiling (OPENSSL_RSA_MAX_MODULUS_BITS); larger moduli would only fail later, at verification.
    static let maximumRSABits = 16384

    private static let supported = "use ECDSA P-256/P-384, Ed25519 or RSA (2048 bits or more)"

    /// The algorithm of `key` (a borrowed EVP_PKEY), or the reason it is refused.
    static func algorithm(of key: OpaquePointer) throws(KeyError) -> PublicKeyAlgorithm {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_EC:
            return try ellipticCurveAlgorithm(of: key)
        case EVP_PKEY_ED25519:
            return .ed25519
        case EVP_PKEY_RSA:
            return try rsaAlgorithm(of: key)
        case EVP_PKEY_RSA_PSS:
            // id-RSASSA-PSS keys may carry parameter restrictions; real-world signers publish rsaEncryption keys.
            throw KeyError("RSA-PSS restricted keys (id-RSASSA-PSS) are not supported: publish the key as a plain RSA (rsaEncryption) key")
        case EVP_PKEY_X25519, EVP_PKEY_X448, EVP_PKEY_DH, EVP_PKEY_DHX:
            throw KeyError("this is a key-agreement key, not a signature key: \(supported)")
        case EVP_PKEY_ED448:
            throw KeyError("Ed448 keys are not supported: \(supported)")
        case EVP_PKEY_DSA:
            throw KeyError("DSA keys are not supported: \(supported)")
        default:
            throw KeyError("unsupported key type: \(supported)")
        }
    }

    private static func ellipticCurveAlgorithm(of key: OpaquePointer) throws(KeyError) -> PublicKeyAlgorithm {
        // Explicit curve parameters are how "curveball"-style attacks (CVE-2020-0601) smuggle in a look-alike curve.
        guard utf8Parameter(OSSL_PKEY_PARAM_EC_ENCODING, of: key) == OSSL_PKEY_EC_ENCODING_GROUP else {
            throw KeyError("EC keys must name their curve (explicit curve parameters are not accepted): use P-256 or P-384")
        }
        guard let curve = utf8Parameter(OSSL_PKEY_PARAM_GROUP_NAME, of: key) else {
            throw KeyError("EC key without a named curve: use P-256 or P-384")
        }
        let algorithm: PublicKeyAlgorithm
        switch curve {
        case "prime256v1", "P-256", "secp256r1": algorithm = .ecdsaP256
        case "secp384r1", "P-384": algorithm = .ecdsaP384
        default:
            // Group names come from OpenSSL's fixed curve table, not from the input; still, print only plain names.
            let printable = curve.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
            throw KeyError("unsupported curve\(printable ? " \(curve)" : ""): use P-256 or P-384")
        }
        // EVP_PKEY_public_check(3ssl) for EC: the point is on the curve, not at infinity, and of the group's order.
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else {
            ERR_clear_error()
            throw KeyError("could not check the EC public key")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else {
            ERR_clear_error()
            throw KeyError("invalid EC public key (the point is not a valid curve point)")
        }
        return algorithm
    }

    private static func rsaAlgorithm(of key: OpaquePointer) throws(KeyError) -> PublicKeyAlgorithm {
        let bits = Int(EVP_PKEY_get_bits(key))
        guard bits >= minimumRSABits else {
            throw KeyError("RSA keys must be at least \(minimumRSABits) bits (this one has \(bits))")
        }
        guard bits <= maximumRSABits else {
            throw KeyError("RSA keys must be at most \(maximumRSABits) bits (this one has \(bits))")
        }
        // e = 1 makes every "signature" equal its encoded message, and an even e is not an RSA key at all.
        var exponent: OpaquePointer?
        // EVP_PKEY_get_bn_param(3ssl) allocates a new BIGNUM for the caller.
        guard EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &exponent) == 1, let exponent else {
            ERR_clear_error()
            throw KeyError("RSA key without a public exponent")
        }
        defer { BN_free(exponent) }
        guard BN_is_odd(exponent) == 1, BN_is_one(exponent) == 0 else {
            throw KeyError("RSA public exponent must be an odd number of at least 3")
        }
        return .rsa(bits: bits)
    }

    /// A UTF-8 string parameter of `key`, nil when absent or longer than 79 bytes.
    private static func utf8Parameter(_ name: String, of key: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        // EVP_PKEY_get_utf8_string_param(3ssl) NUL-terminates and fails rather than truncate.
        guard EVP_PKEY_get_utf8_string_param(key, name, &buffer, buffer.count, &length) == 1,
            length < buffer.count
        else {
            ERR_clear_error()
            return nil
        }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
