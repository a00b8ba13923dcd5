import COpenSSL

/// One TLS connection as a pure byte transform over a pair of memory BIOs (no file descriptor inside, so no
/// write here can raise SIGPIPE; the transport owns all socket I/O).
///
/// Drive it with: `feedCiphertext` whatever arrives from the peer, call `handshake()` / `readPlaintext` /
/// `writePlaintext`, and after *every* call send `takeCiphertext()` to the peer (reads can produce output too:
/// TLS 1.3 key updates, alerts). Not thread-safe: confine each session to one task at a time.
public final class TLSSession {
    enum Role {
        case server
        case client(serverName: String?, verifyName: Bool)
    }

    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer    // peer → OpenSSL; owned by `ssl`
    private let writeBIO: OpaquePointer   // OpenSSL → peer; owned by `ssl`
    /// After a fatal error OpenSSL must not be called again for I/O (SSL_get_error(3ssl)); we replay the error.
    private var failure: OpenSSLError?
    private var shutdownSent = false

    init(context: OpaquePointer, role: Role) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else { throw OpenSSLError.drain("SSL_new") }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw OpenSSLError.drain("BIO_new")
        }
        guard let writeBIO = BIO_new(BIO_s_mem()) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw OpenSSLError.drain("BIO_new")
        }
        // An empty memory BIO reports EOF by default; -1 makes it "retry" so SSL_* returns WANT_READ instead.
        _ = copenssl_bio_set_mem_eof_return(readBIO, -1)
        _ = copenssl_bio_set_mem_eof_return(writeBIO, -1)
        // SSL_set_bio(3ssl): "takes ownership of rbio and wbio"; SSL_free frees them.
        SSL_set_bio(ssl, readBIO, writeBIO)
        (self.ssl, self.readBIO, self.writeBIO) = (ssl, readBIO, writeBIO)

        switch role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client(let serverName, let verifyName):
            SSL_set_connect_state(ssl)
            if let serverName { try configureClient(serverName: serverName, verifyName: verifyName) }
        }
    }

    deinit { SSL_free(ssl) }

    /// Appends bytes received from the peer.
    public func feedCiphertext(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let chunk = Int32(clamping: bytes.count - offset)
            // A memory BIO write fails only when it cannot allocate.
            let written = BIO_write(readBIO, bytes.baseAddress! + offset, chunk)
            precondition(written > 0, "BIO_write to a memory BIO failed (out of memory)")
            offset += Int(written)
        }
    }

    /// Advances the handshake as far as the fed bytes allow.
    public func handshake() -> TLSHandshakeState {
        if let failure { return .failed(failure) }
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        switch classify(rc, operation: "SSL_do_handshake") {
        case .retry: return .wantIO
        case .closed: return .failed(recordFatal(OpenSSLError(operation: "SSL_do_handshake", details: ["peer closed during handshake"])))
        case .failed(let error): return .failed(error)
        }
    }

    /// Decrypts available application data into `buffer` (which must not be empty).
    /// - Throws: `OpenSSLError` on a protocol error (bad record MAC, unexpected message, …); the session is dead then.
    public func readPlaintext(into buffer: UnsafeMutableRawBufferPointer) throws -> TLSReadResult {
        precondition(!buffer.isEmpty, "readPlaintext needs a non-empty buffer")
        if let failure { throw failure }
        while true {
            let bufferedBefore = copenssl_bio_pending(readBIO)
            ERR_clear_error()
            let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if n > 0 { return .bytes(Int(n)) }
            switch classify(n, operation: "SSL_read") {
            case .retry:
                // Without SSL_MODE_AUTO_RETRY, SSL_read returns WANT_READ after a non-application record (e.g. a
                // TLS 1.3 NewSessionTicket) even when more records are already buffered; answering `.wantIO` then
                // would make the caller wait for bytes it already fed. Retry while the last call consumed input.
                let bufferedAfter = copenssl_bio_pending(readBIO)
                if bufferedAfter > 0 && bufferedAfter < bufferedBefore { continue }
                return .wantIO
            case .closed: return .closed
            case .failed(let error): throw error
            }
        }
    }

    /// Encrypts all of `bytes` into records for `takeCiphertext()`.
    /// - Throws: `OpenSSLError` if the handshake has not completed, the session was closed, or it failed.
    public func writePlaintext(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        // After our close_notify OpenSSL refuses writes; answer here so the refusal does not mark the session failed.
        if shutdownSent { throw OpenSSLError(operation: "SSL_write", details: ["session closed"]) }
        guard !bytes.isEmpty else { return }   // SSL_write(3ssl): calling it with num=0 is an error
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            // With SSL_MODE_ENABLE_PARTIAL_WRITE one call may take less than asked; loop until all is queued.
            let n = SSL_write(ssl, bytes.baseAddress! + offset, Int32(clamping: bytes.count - offset))
            if n > 0 {
                offset += Int(n)
                continue
            }
            switch classify(n, operation: "SSL_write") {
            case .retry:
                // The write BIO grows without bound, so "retry" here means the handshake still needs peer input.
                throw OpenSSLError(operation: "SSL_write", details: ["handshake not complete"])
            case .closed:
                throw OpenSSLError(operation: "SSL_write", details: ["session closed"])
            case .failed(let error):
                throw error
            }
        }
    }

    /// Removes and returns every byte waiting to be sent to the peer.
    public func takeCiphertext() -> [UInt8] {
        let pending = copenssl_bio_pending(writeBIO)
        guard pending > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            var total = 0
            while total < pending {
                let n = BIO_read(writeBIO, buffer.baseAddress! + total, Int32(clamping: pending - total))
                guard n > 0 else { break }
                total += Int(n)
            }
            count = total
        }
    }

    /// Queues a close_notify alert for `takeCiphertext()`. Safe to call more than once, or after a failure (no-op).
    public func close() {
        guard failure == nil, !shutdownSent, SSL_is_init_finished(ssl) == 1 else { return }
        shutdownSent = true
        ERR_clear_error()
        // SSL_shutdown(3ssl): 0 = close_notify sent, awaiting the peer's; 1 = both sent. We never wait for the
        // peer's (the transport closes), and any error is moot on a connection being torn down.
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// The negotiated protocol, e.g. `"TLSv1.3"`, once the handshake has completed.
    public var negotiatedVersion: String? {
        guard SSL_is_init_finished(ssl) == 1, let version = SSL_get_version(ssl) else { return nil }
        return String(cString: version)
    }

    private enum Outcome {
        case retry
        case closed
        case failed(OpenSSLError)
    }

    /// Maps a non-success return through SSL_get_error(3ssl), draining the queue in this frame on failure.
    private func classify(_ rc: Int32, operation: String) -> Outcome {
        let code = SSL_get_error(ssl, rc)
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .retry
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            var extra = ["SSL_get_error=\(code)"]
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK), let text = X509_verify_cert_error_string(verify) {
                extra.append("certificate verification: \(String(cString: text))")
            }
            return .failed(recordFatal(OpenSSLError.drain(operation, extra: extra)))
        }
    }

    private func recordFatal(_ error: OpenSSLError) -> OpenSSLError {
        failure = error
        return error
    }

    private func configureClient(serverName: String, verifyName: Bool) throws {
        // C would see only the part before a NUL, and check the certificate against a different name than asked.
        guard !serverName.utf8.contains(0) else {
            throw OpenSSLError(operation: "TLSClientContext.makeSession", details: ["serverName contains NUL"])
        }
        let isIPLiteral = Self.isIPLiteral(serverName)
        // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
        if !isIPLiteral {
            try check(copenssl_set_tlsext_host_name(ssl, serverName), "SSL_set_tlsext_host_name")
        }
        guard verifyName else { return }
        if isIPLiteral {
            // SSL_set1_host matches DNS names only in OpenSSL 3.0; IPs go through the verify param (get0: owned by ssl).
            try check(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName), "X509_VERIFY_PARAM_set1_ip_asc")
        } else {
            try check(SSL_set1_host(ssl, serverName), "SSL_set1_host")
        }
    }

    private static func isIPLiteral(_ name: String) -> Bool {
        // a2i_IPADDRESS parses dotted IPv4 and IPv6 text; the returned octet string is ours to free.
        guard let parsed = a2i_IPADDRESS(name) else {
            ERR_clear_error()
            return false
        }
        ASN1_OCTET_STRING_free(parsed)
        return true
    }
}

@available(*, unavailable, message: "TLSSession is confined to one task; it wraps a non-thread-safe SSL object")
extension TLSSession: Sendable {}
