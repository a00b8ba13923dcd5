import COpenSSL

/// A TLS protocol version.
public enum TLSVersion: Sendable, Comparable {
    /// TLS 1.1 (RFC 4346); only for clients probing that servers refuse it.
    case tls1_1
    /// TLS 1.2 (RFC 5246).
    case tls1_2
    /// TLS 1.3 (RFC 8446).
    case tls1_3

    var openSSLValue: Int32 {
        switch self {
        case .tls1_1: TLS1_1_VERSION
        case .tls1_2: TLS1_2_VERSION
        case .tls1_3: TLS1_3_VERSION
        }
    }
}

/// The outcome of one `TLSSession.handshake()` step.
public enum TLSHandshakeState: Sendable {
    /// The handshake finished; application data may flow.
    case complete
    /// OpenSSL needs more ciphertext from the peer, or has ciphertext to send (`takeCiphertext()`).
    case wantIO
    /// The handshake failed for good; send `takeCiphertext()` (the alert) and close.
    case failed(OpenSSLError)
}

/// The outcome of `TLSSession.readPlaintext(into:)`.
public enum TLSReadResult: Sendable, Equatable {
    /// This many plaintext bytes were written to the buffer.
    case bytes(Int)
    /// No plaintext yet: feed more ciphertext (and send any `takeCiphertext()` output).
    case wantIO
    /// The peer sent close_notify (or closed without it, which OpenSSL is told to treat the same way).
    case closed
}
