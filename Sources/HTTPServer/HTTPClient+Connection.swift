import CPosix
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// What one read from a client connection produced.
enum ClientReceive {
    case bytes([UInt8])
    /// The peer finished; `clean` is false for a TLS connection that ended without close_notify (maybe truncated).
    case end(clean: Bool)
}

/// One outgoing TCP connection (optionally TLS), blocking, with every operation bounded by one deadline.
/// Confined to the `HTTPClient.send` call that made it.
final class ClientConnection: ClientByteSource {
    private let fd: Int32
    private let endpoint: HTTPClientEndpoint
    private let deadline: ContinuousClock.Instant
    private let timeout: Duration
    private var tls: TLSSession?
    private var closed = false

    private init(fd: Int32, endpoint: HTTPClientEndpoint, deadline: ContinuousClock.Instant, timeout: Duration) {
        self.fd = fd
        self.endpoint = endpoint
        self.deadline = deadline
        self.timeout = timeout
    }

    deinit { close() }

    /// Resolves the host and connects to the first address that accepts, within the deadline.
    static func connect(to endpoint: HTTPClientEndpoint, deadline: ContinuousClock.Instant, timeout: Duration) throws(HTTPClientError)
        -> ClientConnection
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = cposix_SOCK_STREAM
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0, list != nil else {
            throw HTTPClientError(.resolution, "cannot resolve host '\(endpoint.host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = ECONNREFUSED
        var cursor = list
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, cposix_SOCK_STREAM | cposix_SOCK_CLOEXEC | cposix_SOCK_NONBLOCK, 0)
            if fd < 0 {
                lastError = errno
                continue
            }
            let result = connectWithin(fd: fd, address: info.pointee.ai_addr, length: info.pointee.ai_addrlen, deadline: deadline)
            switch result {
            case .connected:
                let connection = ClientConnection(fd: fd, endpoint: endpoint, deadline: deadline, timeout: timeout)
                try connection.configureConnected()
                return connection
            case .timedOut:
                Glibc.close(fd)
                throw HTTPClientError(.timeout, "timed out after \(describe(timeout)) connecting to \(endpoint.origin)")
            case .failed(let code):
                Glibc.close(fd)
                lastError = code
            }
        }
        if lastError == ECONNREFUSED {
            throw HTTPClientError(.connectionRefused, "connection refused by \(endpoint.origin) (is the server running?)")
        }
        throw HTTPClientError(.connection, "cannot connect to \(endpoint.origin): \(String(cString: strerror(lastError)))")
    }

    private enum ConnectResult {
        case connected
        case timedOut
        case failed(Int32)
    }

    /// A non-blocking connect, then poll for writability until the deadline, then SO_ERROR.
    private static func connectWithin(fd: Int32, address: UnsafeMutablePointer<sockaddr>?, length: socklen_t, deadline: ContinuousClock.Instant)
        -> ConnectResult
    {
        if Glibc.connect(fd, address, length) == 0 { return .connected }
        let code = errno
        guard code == EINPROGRESS || code == EINTR else { return .failed(code) }
        while true {
            let remaining = milliseconds(until: deadline)
            if remaining <= 0 { return .timedOut }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, remaining)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(errno)
            }
            if ready == 0 { continue }  // re-check the deadline
            var socketError: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &size) == 0 else { return .failed(errno) }
            return socketError == 0 ? .connected : .failed(socketError)
        }
    }

    /// Back to blocking mode (timeouts come from SO_RCVTIMEO/SO_SNDTIMEO), and no Nagle delay for the small request.
    private func configureConnected() throws(HTTPClientError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
            throw HTTPClientError(.connection, "cannot configure the socket: \(String(cString: strerror(errno)))")
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), cposix_TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Performs the TLS handshake; `serverName` is sent as SNI and (when the context verifies) checked against the certificate.
    func startTLS(_ context: TLSClientContext, serverName: String) throws(HTTPClientError) {
        let session: TLSSession
        do {
            session = try context.makeSession(serverName: serverName)
        } catch {
            throw HTTPClientError(.tls, "cannot set up TLS for \(endpoint.origin): \(error)")
        }
        while true {
            let state = session.handshake()
            let out = session.takeCiphertext()
            if !out.isEmpty { try sendRaw(out) }
            switch state {
            case .complete:
                tls = session
                return
            case .failed(let error):
                throw HTTPClientError(.tls, "TLS handshake with \(endpoint.origin) failed: \(error)")
            case .wantIO:
                let incoming = try receiveRaw()
                if incoming.isEmpty {
                    throw HTTPClientError(.tls, "TLS handshake with \(endpoint.origin) failed: the server closed the connection")
                }
                incoming.withUnsafeBytes { session.feedCiphertext($0) }
            }
        }
    }

    /// Sends all of `bytes` (encrypted when TLS is on).
    func send(_ bytes: [UInt8]) throws(HTTPClientError) {
        guard let tls else { return try sendRaw(bytes) }
        do {
            try bytes.withUnsafeBytes { try tls.writePlaintext($0) }
        } catch {
            throw HTTPClientError(.tls, "TLS write to \(endpoint.origin) failed: \(error)")
        }
        try sendRaw(tls.takeCiphertext())
    }

    /// Receives some application bytes, or the end of the stream.
    func receive() throws(HTTPClientError) -> ClientReceive {
        guard let tls else {
            let bytes = try receiveRaw()
            return bytes.isEmpty ? .end(clean: true) : .bytes(bytes)
        }
        var plain = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let result: TLSReadResult
            do {
                result = try plain.withUnsafeMutableBytes { try tls.readPlaintext(into: $0) }
            } catch {
                throw HTTPClientError(.tls, "TLS read from \(endpoint.origin) failed: \(error)")
            }
            // Reads can produce records for the peer too (key updates, alerts).
            let out = tls.takeCiphertext()
            if !out.isEmpty { try sendRaw(out) }
            switch result {
            case .bytes(let count) where count > 0:
                return .bytes(Array(plain[0..<count]))
            case .closed:
                return .end(clean: true)
            case .bytes, .wantIO:
                let incoming = try receiveRaw()
                if incoming.isEmpty { return .end(clean: false) }
                incoming.withUnsafeBytes { tls.feedCiphertext($0) }
            }
        }
    }

    /// Sends close_notify without waiting (best effort), then closes the socket. Idempotent.
    func close() {
        guard !closed else { return }
        closed = true
        if let tls {
            tls.close()
            let out = tls.takeCiphertext()
            if !out.isEmpty { _ = out.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } }
        }
        Glibc.close(fd)
    }

    // MARK: Raw socket I/O under the deadline

    private func sendRaw(_ bytes: [UInt8]) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            try applyRemainingTime(SO_SNDTIMEO, while: "sending the request")
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { continue }  // SO_SNDTIMEO expired: the loop re-checks the deadline
            throw HTTPClientError(.connection, "sending to \(endpoint.origin) failed: \(String(cString: strerror(code)))")
        }
    }

    /// Some bytes from the socket; [] on an orderly close.
    private func receiveRaw() throws(HTTPClientError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try applyRemainingTime(SO_RCVTIMEO, while: "waiting for the response")
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(chunk[0..<count]) }
            let code = errno
            if code == EINTR || code == EAGAIN || code == EWOULDBLOCK { continue }  // the loop re-checks the deadline
            if code == ECONNRESET {
                throw HTTPClientError(.connection, "the connection to \(endpoint.origin) was reset by the server")
            }
            throw HTTPClientError(.connection, "receiving from \(endpoint.origin) failed: \(String(cString: strerror(code)))")
        }
    }

    /// Sets the socket's send or receive timeout to the time left, or throws when none is left.
    private func applyRemainingTime(_ option: Int32, while doing: String) throws(HTTPClientError) {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else {
            throw HTTPClientError(.timeout, "timed out after \(Self.describe(timeout)) \(doing) from \(endpoint.origin)")
        }
        // A zero timeval means "no timeout", so never go below one millisecond.
        let micros = max(1000, remaining.components.seconds * 1_000_000 + remaining.components.attoseconds / 1_000_000_000_000)
        var value = timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Whole milliseconds left until `deadline` (rounded up, so a poll does not return just before it).
    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return 0 }
        let millis = remaining.components.seconds * 1000 + (remaining.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: millis)
    }

    /// "10s" or "250ms".
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
