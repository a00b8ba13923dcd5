import COpenSSL

/// Self-signed P-256 certificates for tests and development servers.
public enum SelfSignedCertificate {
    /// A fresh P-256 key and an X.509 v3 certificate for `commonName`, valid from one day ago for 30 days,
    /// with subjectAltName `DNS:<commonName>, IP:127.0.0.1, IP:::1`, signed with ECDSA-SHA256.
    /// - Parameter commonName: a DNS name (letters, digits, `-`, `.`; 1–64 characters).
    /// - Returns: the certificate (`BEGIN CERTIFICATE`) and PKCS#8 key (`BEGIN PRIVATE KEY`) as PEM text.
    /// - Throws: `OpenSSLError` if `commonName` is not a plain DNS name or an OpenSSL step fails.
    public static func make(commonName: String) throws -> (certificatePEM: String, privateKeyPEM: String) {
        // The name is spliced into an X509V3 config string below; restricting it rules out injecting extra entries.
        guard (1...64).contains(commonName.utf8.count),
            commonName.utf8.allSatisfy({ isHostnameByte($0) }),
            commonName.first != ".", commonName.first != "-"
        else {
            throw OpenSSLError(operation: "SelfSignedCertificate.make", details: ["commonName must be a plain DNS name"])
        }
        ERR_clear_error()
        let key = try generateP256Key()
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw OpenSSLError.drain("X509_new") }
        defer { X509_free(certificate) }

        try check(X509_set_version(certificate, Int(X509_VERSION_3)), "X509_set_version")
        try setRandomSerial(certificate)
        // getm: returns the certificate's own ASN1_TIME for in-place update.
        guard X509_gmtime_adj(X509_getm_notBefore(certificate), -86_400) != nil,
            X509_gmtime_adj(X509_getm_notAfter(certificate), 30 * 86_400) != nil
        else { throw OpenSSLError.drain("X509_gmtime_adj") }

        // get: the subject name is owned by the certificate; set_issuer_name copies it (self-signed: issuer = subject).
        let name = X509_get_subject_name(certificate)
        let cn = Array(commonName.utf8)
        try check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, Int32(cn.count), -1, 0), "X509_NAME_add_entry_by_txt")
        try check(X509_set_issuer_name(certificate, name), "X509_set_issuer_name")
        // set_pubkey takes its own reference to the key.
        try check(X509_set_pubkey(certificate, key), "X509_set_pubkey")

        try addExtension(certificate, NID_basic_constraints, "critical,CA:FALSE")
        try addExtension(certificate, NID_key_usage, "critical,digitalSignature")
        try addExtension(certificate, NID_ext_key_usage, "serverAuth")
        try addExtension(certificate, NID_subject_key_identifier, "hash")
        try addExtension(certificate, NID_subject_alt_name, "DNS:\(commonName),IP:127.0.0.1,IP:::1")

        // X509_sign(3ssl): returns the signature size, 0 on failure.
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw OpenSSLError.drain("X509_sign") }

        let certificatePEM = try writePEM("PEM_write_bio_X509") { PEM_write_bio_X509($0, certificate) }
        let privateKeyPEM = try writePEM("PEM_write_bio_PrivateKey") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return (certificatePEM, privateKeyPEM)
    }

    private static func isHostnameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// EVP-level P-256 key generation (the EC_KEY_* route is deprecated in OpenSSL 3). The caller frees the key.
    private static func generateP256Key() throws -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw OpenSSLError.drain("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(context) }
        try check(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init")
        try check(EVP_PKEY_CTX_set_group_name(context, "P-256"), "EVP_PKEY_CTX_set_group_name")
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLError.drain("EVP_PKEY_generate")
        }
        return key
    }

    /// RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 127 random bits make collisions irrelevant.
    private static func setRandomSerial(_ certificate: OpaquePointer) throws {
        var bytes = SecureRandom.bytes(count: 16)
        bytes[0] = bytes[0] & 0x7F | 0x01 << 6   // positive, and never zero
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw OpenSSLError.drain("BN_bin2bn") }
        defer { BN_free(number) }
        // get: the serial is owned by the certificate; BN_to_ASN1_INTEGER writes into it in place.
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil else {
            throw OpenSSLError.drain("BN_to_ASN1_INTEGER")
        }
    }

    private static func addExtension(_ certificate: OpaquePointer, _ nid: Int32, _ value: String) throws {
        // The context supplies subject/issuer for "hash" key identifiers; zero-initialised = X509V3_set_ctx_nodb.
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
        guard let ext = X509V3_EXT_nconf_nid(nil, &context, nid, value) else { throw OpenSSLError.drain("X509V3_EXT_nconf_nid") }
        defer { X509_EXTENSION_free(ext) }
        // X509_add_ext(3ssl) appends a copy, so ours is freed above.
        guard X509_add_ext(certificate, ext, -1) == 1 else { throw OpenSSLError.drain("X509_add_ext") }
    }

    private static func writePEM(_ operation: String, _ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.drain("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw OpenSSLError.drain(operation) }
        let pending = copenssl_bio_pending(bio)
        let bytes = [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            let n = BIO_read(bio, buffer.baseAddress, Int32(clamping: pending))
            count = max(0, Int(n))
        }
        guard bytes.count == pending else { throw OpenSSLError.drain("BIO_read") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
