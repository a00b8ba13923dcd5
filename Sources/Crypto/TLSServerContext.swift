import COpenSSL

/// A server `SSL_CTX`: TLS 1.2–1.3 only, ECDHE + AEAD ciphers, configured once and then frozen.
///
/// `@unchecked Sendable`: the `SSL_CTX` is fully configured in `init` and never modified afterwards; sessions are
/// created with `SSL_new`, which only reads it (reference count and session cache are locked inside OpenSSL). openssl-threads(7ssl):
/// "Objects are thread-safe as long as the API's being invoked don't modify the object", and it is "not safe to modify
/// the factory object after it has been used to create other objects" — which we never do.
public final class TLSServerContext: @unchecked Sendable {
    /// TLS 1.2 suites: forward-secret key exchange and AEAD only (no CBC, no RSA key transport, no SHA-1 MACs).
    static let tls12CipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// TLS 1.3 suites (all AEAD); stated explicitly so a system openssl.cnf cannot widen them.
    static let tls13CipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    private let context: OpaquePointer

    /// Loads a PEM certificate chain (leaf first) and its PEM private key.
    /// - Throws: `OpenSSLError` if a file is unreadable or malformed, or the key does not match the certificate.
    public init(certificateChainFile: String, privateKeyFile: String) throws {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw OpenSSLError.drain("SSL_CTX_new") }
        do {
            try Self.configure(context, certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.context = context
    }

    deinit { SSL_CTX_free(context) }

    /// A new server-side session (accept state) using this context.
    /// - Throws: `OpenSSLError` if OpenSSL cannot allocate the session.
    public func makeSession() throws -> TLSSession {
        try TLSSession(context: context, role: .server)
    }

    private static func configure(_ context: OpaquePointer, certificateChainFile: String, privateKeyFile: String) throws {
        try check(copenssl_ctx_set_min_proto(context, TLS1_2_VERSION), "SSL_CTX_set_min_proto_version")
        try check(copenssl_ctx_set_max_proto(context, TLS1_3_VERSION), "SSL_CTX_set_max_proto_version")
        // Renegotiation and compression have no use here and a history of attacks (CVE-2009-3555, CRIME);
        // IGNORE_UNEXPECTED_EOF makes a peer that skips close_notify read as a clean close (OpenSSL 3 default is an error).
        SSL_CTX_set_options(
            context,
            copenssl_op_cipher_server_preference() | copenssl_op_no_compression() | copenssl_op_no_renegotiation()
                | copenssl_op_ignore_unexpected_eof())
        try check(SSL_CTX_set_cipher_list(context, tls12CipherList), "SSL_CTX_set_cipher_list")
        try check(SSL_CTX_set_ciphersuites(context, tls13CipherSuites), "SSL_CTX_set_ciphersuites")
        // Partial writes are looped over in TLSSession.writePlaintext; no AUTO_RETRY since memory BIOs never block.
        _ = copenssl_ctx_set_mode_auto_retry_off(context)
        try check(SSL_CTX_use_certificate_chain_file(context, certificateChainFile), "SSL_CTX_use_certificate_chain_file")
        try check(SSL_CTX_use_PrivateKey_file(context, privateKeyFile, SSL_FILETYPE_PEM), "SSL_CTX_use_PrivateKey_file")
        try check(SSL_CTX_check_private_key(context), "SSL_CTX_check_private_key")
    }
}

/// Throws the drained error queue unless an OpenSSL "1 on success" call returned 1.
func check(_ rc: Int32, _ operation: String) throws {
    guard rc == 1 else { throw OpenSSLError.drain(operation) }
}
