import Crypto
import CPosix

#if canImport(Glibc)
import Glibc
#endif

/// A failure in the test client.
public struct TestClientError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// A parsed response as the test client saw it.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A tiny blocking HTTP/1.1 client over a raw socket, with receive timeouts so nothing hangs.
/// Optionally speaks TLS through a `TLSSession` over the same blocking socket.
public final class TestClient: @unchecked Sendable {  // used by one test task at a time
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var tls: TLSSession?
    private var closed = false

    /// Connects to `host:port` (IPv6 when `host` contains ':'); receive timeout `timeout`.
    /// `receiveBufferSize` shrinks SO_RCVBUF (before connecting, so the TCP window follows).
    public init(port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(3), receiveBufferSize: Int32? = nil) throws {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        fd = socket(family, cposix_SOCK_STREAM | cposix_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBufferSize {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let result: Int32
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if result != 0 {
            let code = errno
            Glibc.close(fd)
            throw TestClientError(description: "connect: errno \(code)")
        }
    }

    deinit {
        if !closed { Glibc.close(fd) }
    }

    /// Whether a fresh TCP connect to `port` is refused.
    public static func connectionRefused(port: Int) -> Bool {
        do {
            _ = try TestClient(port: port)
            return false
        } catch {
            return true
        }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Closes with SO_LINGER 0, so the server sees a reset.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    // MARK: Raw socket

    public func rawSend(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw TestClientError(description: "send: errno \(errno)")
            }
            offset += sent
        }
    }

    /// Receives some bytes; [] on orderly close, throws on timeout or reset.
    public func rawReceive() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(chunk[0..<count]) }
            let code = errno
            if code == EINTR { continue }
            if code == ECONNRESET { return [] }
            throw TestClientError(description: code == EAGAIN ? "receive timed out" : "recv: errno \(code)")
        }
    }

    // MARK: TLS

    /// Performs a TLS handshake over this socket with `context`; throws if it fails.
    public func startTLS(_ context: TLSClientContext, serverName: String = "localhost") throws -> String? {
        let session = try context.makeSession(serverName: serverName)
        while true {
            let state = session.handshake()
            let out = session.takeCiphertext()
            if !out.isEmpty { try rawSend(out) }
            switch state {
            case .complete:
                tls = session
                return session.negotiatedVersion
            case .failed(let error):
                throw TestClientError(description: "handshake failed: \(error)")
            case .wantIO:
                let incoming = try rawReceive()
                if incoming.isEmpty { throw TestClientError(description: "server closed during handshake") }
                incoming.withUnsafeBytes { session.feedCiphertext($0) }
            }
        }
    }

    // MARK: Application bytes

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        guard let tls else { return try rawSend(bytes) }
        try bytes.withUnsafeBytes { try tls.writePlaintext($0) }
        try rawSend(tls.takeCiphertext())
    }

    /// Receives some application bytes; [] when the server closed.
    public func receiveSome() throws -> [UInt8] {
        guard let tls else { return try rawReceive() }
        var plain = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let result = try plain.withUnsafeMutableBytes { try tls.readPlaintext(into: $0) }
            switch result {
            case .bytes(let count) where count > 0:
                return Array(plain[0..<count])
            case .closed:
                return []
            case .bytes, .wantIO:
                let incoming = try rawReceive()
                if incoming.isEmpty { return [] }
                incoming.withUnsafeBytes { tls.feedCiphertext($0) }
            }
        }
    }

    /// Reads one response (1xx included); `bodyless` for answers to HEAD.
    public func readResponse(bodyless: Bool = false) throws -> TestResponse {
        var headEnd: Int?
        while true {
            if let index = findHeadEnd() { headEnd = index; break }
            let more = try receiveSome()
            if more.isEmpty { throw TestClientError(description: "closed before a complete response head (\(buffer.count) bytes)") }
            buffer.append(contentsOf: more)
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestClientError(description: "bad status line: \(headText.prefix(80))")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: " "))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        if status < 200 || bodyless { return response }
        let length = Int(response.header("Content-Length") ?? "0") ?? 0
        while buffer.count < length {
            let more = try receiveSome()
            if more.isEmpty { throw TestClientError(description: "closed mid-body") }
            buffer.append(contentsOf: more)
        }
        response.body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return response
    }

    /// Sends a request and reads its response.
    public func roundTrip(_ request: String, bodyless: Bool = false) throws -> TestResponse {
        try send(request)
        return try readResponse(bodyless: bodyless)
    }

    /// True if the server closes the connection (EOF or reset) before the receive timeout,
    /// discarding any bytes that still arrive.
    public func waitForClose() -> Bool {
        if tls == nil, !buffer.isEmpty { buffer.removeAll() }
        while true {
            guard let more = try? receiveSome() else { return false }
            if more.isEmpty { return true }
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return String(text)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}
