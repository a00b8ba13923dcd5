import COpenSSL

extension PublicKey {
    /// ECDSA (SHA-256 for P-256, SHA-256 or SHA-384 accepted for P-384): signature in ASN.1 DER or raw r||s (IEEE P1363);
    /// Ed25519: 64 raw bytes over the message; RSA: SHA-256 with PKCS#1 v1.5, or PSS (MGF1-SHA-256, any salt length).
    /// Returns false for a bad or malformed signature; never throws, never true on an OpenSSL error.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        // Failed verifications queue errors that belong to no caller; leave this thread's queue as we found it: empty.
        ERR_clear_error()
        defer { ERR_clear_error() }
        switch algorithm {
        case .ed25519:
            guard signature.count == 64 else { return false }
            return verify(signature, message, digest: nil, padding: nil)
        case .ecdsaP256:
            return verifyECDSA(signature, message, coordinateBytes: 32, digests: [EVP_sha256()])
        case .ecdsaP384:
            return verifyECDSA(signature, message, coordinateBytes: 48, digests: [EVP_sha384(), EVP_sha256()])
        case .rsa:
            // RSA signatures are exactly the modulus length (RFC 8017 §8.2.2 step 1, §8.1.2 step 1).
            guard signature.count == Int(EVP_PKEY_get_size(key)) else { return false }
            return verify(signature, message, digest: EVP_sha256(), padding: .pkcs1v15)
                || verify(signature, message, digest: EVP_sha256(), padding: .pss)
        }
    }

    private func verifyECDSA(_ signature: [UInt8], _ message: [UInt8], coordinateBytes: Int, digests: [OpaquePointer?]) -> Bool {
        var candidates: [[UInt8]] = []
        // Only something shaped like a DER SEQUENCE is worth hashing the message for.
        if signature.first == 0x30, signature.count <= ECDSASignature.maximumDERCount(coordinateBytes: coordinateBytes) {
            candidates.append(signature)
        }
        if let der = ECDSASignature.der(fromRaw: signature, coordinateBytes: coordinateBytes) {
            candidates.append(der)
        }
        for digest in digests {
            for candidate in candidates where verify(candidate, message, digest: digest, padding: nil) {
                return true
            }
        }
        return false
    }

    /// One EVP_DigestVerify with a fresh context. True only when OpenSSL returns exactly 1.
    private func verify(_ signature: [UInt8], _ message: [UInt8], digest: OpaquePointer?, padding: RSASignaturePadding?) -> Bool {
        guard !signature.isEmpty else { return false }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        // get0-style: `keyContext` belongs to `context` and is freed with it.
        var keyContext: OpaquePointer?
        // EVP_DigestVerifyInit(3ssl): "1 for success and 0 or a negative value for failure"; NULL digest for Ed25519.
        guard EVP_DigestVerifyInit(context, &keyContext, digest, nil, key) == 1 else { return false }
        if let padding {
            guard let keyContext, Self.configure(keyContext, padding) else { return false }
        }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { tbs in
                // An empty message may have no base address; OpenSSL wants a valid pointer even for length 0.
                withUnsafePointer(to: UInt8(0)) { empty in
                    EVP_DigestVerify(context, sig.baseAddress, sig.count, tbs.baseAddress ?? empty, tbs.count)
                }
            }
        }
        // EVP_DigestVerify(3ssl): 1 = valid, 0 = invalid, negative = error. Only 1 is a yes.
        return result == 1
    }

    /// Sets RSA padding on a verification context: PKCS#1 v1.5, or PSS with MGF1-SHA-256 and any salt length.
    private static func configure(_ keyContext: OpaquePointer, _ padding: RSASignaturePadding) -> Bool {
        switch padding {
        case .pkcs1v15:
            return EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) > 0
        case .pss:
            // RSA_PSS_SALTLEN_AUTO on verification: recover the salt length from the signature (EVP_PKEY_CTX_ctrl(3ssl)).
            return EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) > 0
                && EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, EVP_sha256()) > 0
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_AUTO) > 0
        }
    }
}
