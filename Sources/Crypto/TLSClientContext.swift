import COpenSSL

/// A client `SSL_CTX`, for tests and `shipgate check`; configured once and then frozen.
///
/// `@unchecked Sendable`: as `TLSServerContext`, the `SSL_CTX` is never modified after `init` and `SSL_new` only reads
/// it (openssl-threads(7ssl): objects are thread-safe while the APIs invoked don't modify them).
public final class TLSClientContext: @unchecked Sendable {
    private let context: OpaquePointer?
    private let setupError: OpenSSLError?
    private let verifyPeer: Bool

    /// Configures a client offering the server's ECDHE + AEAD suites. Versions default to TLS 1.2–1.3;
    /// `maxVersion: .tls1_1` instead lowers the security level to 0 and keeps OpenSSL's default suites, so OpenSSL 3
    /// really sends a TLS 1.1 ClientHello (useful only to test that servers refuse it).
    /// Configuration errors (unreadable `caFile`, min above max) surface from `makeSession`.
    public convenience init(verifyPeer: Bool = false, caFile: String? = nil, maxVersion: TLSVersion? = nil, minVersion: TLSVersion? = nil) {
        self.init(verifyPeer: verifyPeer, caFile: caFile, maxVersion: maxVersion, minVersion: minVersion, tls12CipherList: nil)
    }

    /// As the public initializer, optionally replacing the TLS ≤ 1.2 cipher list (tests offer servers weak suites).
    package init(verifyPeer: Bool, caFile: String?, maxVersion: TLSVersion?, minVersion: TLSVersion?, tls12CipherList: String?) {
        self.verifyPeer = verifyPeer
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            (self.context, self.setupError) = (nil, OpenSSLError.drain("SSL_CTX_new"))
            return
        }
        do {
            try Self.configure(context, verifyPeer: verifyPeer, caFile: caFile, maxVersion: maxVersion, minVersion: minVersion)
            if let tls12CipherList {
                try check(SSL_CTX_set_cipher_list(context, tls12CipherList), "SSL_CTX_set_cipher_list")
            }
            (self.context, self.setupError) = (context, nil)
        } catch {
            SSL_CTX_free(context)
            (self.context, self.setupError) = (nil, error as? OpenSSLError ?? OpenSSLError(operation: "TLSClientContext", details: []))
        }
    }

    deinit {
        if let context { SSL_CTX_free(context) }
    }

    /// A new client-side session (connect state). `serverName` is sent as SNI (unless it is an IP literal) and,
    /// with `verifyPeer`, checked against the certificate's subjectAltName.
    /// - Throws: `OpenSSLError` if the context failed to configure, if `verifyPeer` is set without a `serverName`
    ///   (a chain check without a name check would accept any certificate the CA ever issued), or on allocation failure.
    public func makeSession(serverName: String?) throws -> TLSSession {
        guard let context else { throw setupError ?? OpenSSLError(operation: "TLSClientContext", details: []) }
        if verifyPeer && serverName == nil {
            throw OpenSSLError(operation: "TLSClientContext.makeSession", details: ["verifyPeer requires a serverName"])
        }
        return try TLSSession(context: context, role: .client(serverName: serverName, verifyName: verifyPeer))
    }

    private static func configure(
        _ context: OpaquePointer, verifyPeer: Bool, caFile: String?, maxVersion: TLSVersion?, minVersion: TLSVersion?
    ) throws {
        let max = maxVersion ?? .tls1_3
        let min = minVersion ?? Swift.min(.tls1_2, max)
        guard min <= max else {
            throw OpenSSLError(operation: "TLSClientContext", details: ["minVersion is above maxVersion"])
        }
        try check(copenssl_ctx_set_min_proto(context, min.openSSLValue), "SSL_CTX_set_min_proto_version")
        try check(copenssl_ctx_set_max_proto(context, max.openSSLValue), "SSL_CTX_set_max_proto_version")
        if max == .tls1_1 {
            // At security level ≥ 1 OpenSSL 3 disables TLS < 1.2 (SHA-1/MD5 signatures), and would refuse locally
            // instead of letting the server under test refuse. TLS 1.1 has no AEAD suites, so the default list stays.
            SSL_CTX_set_security_level(context, 0)
        } else {
            // Offer servers the same ECDHE + AEAD suites we accept ourselves.
            try check(SSL_CTX_set_cipher_list(context, TLSServerContext.tls12CipherList), "SSL_CTX_set_cipher_list")
            try check(SSL_CTX_set_ciphersuites(context, TLSServerContext.tls13CipherSuites), "SSL_CTX_set_ciphersuites")
        }
        _ = copenssl_ctx_set_mode_auto_retry_off(context)
        if verifyPeer {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let caFile {
                try check(SSL_CTX_load_verify_locations(context, caFile, nil), "SSL_CTX_load_verify_locations")
            } else {
                try check(SSL_CTX_set_default_verify_paths(context), "SSL_CTX_set_default_verify_paths")
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
    }
}
