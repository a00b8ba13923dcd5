import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A parsed HTTP response as a test sees it.
public struct TestResponse: Sendable {
    public let status: Int
    /// Header names lowercased.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as a JSON object.
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestClientError.notJSON(text)
        }
        return object
    }
}

/// What went wrong talking to the server.
public enum TestClientError: Error, CustomStringConvertible {
    case connect(Int32)
    case closed
    case timeout
    case malformed(String)
    case notJSON(String)

    public var description: String {
        switch self {
        case .connect(let code): "connect failed: errno \(code)"
        case .closed: "connection closed before a full response"
        case .timeout: "timed out waiting for the server"
        case .malformed(let what): "malformed response: \(what)"
        case .notJSON(let body): "body is not a JSON object: \(body.prefix(200))"
        }
    }
}

/// A blocking HTTP/1.1 client over one raw TCP connection, with a receive timeout so tests never hang.
/// The async methods run the blocking calls on threads of their own: blocking the cooperative pool
/// (one thread per core) would starve the server's own handlers in the same process.
public final class TestHTTPClient: @unchecked Sendable {  // used by one test task at a time
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to `host:port` (IPv4 or IPv6 literal).
    public init(host: String = "127.0.0.1", port: Int, timeoutSeconds: Int = 10) throws {
        let isV6 = host.contains(":")
        fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestClientError.connect(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc: Int32
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw TestClientError.connect(code)
        }
    }

    deinit { close(fd) }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TestClientError.closed }
            offset += n
        }
    }

    /// Sends a string as raw bytes.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a request with optional JSON body and bearer token, and reads its response, off the cooperative pool.
    public func request(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [(String, String)] = [],
        bodyText: String? = nil
    ) async throws -> TestResponse {
        try await Self.offPool { try self.requestBlocking(method, path, token: token, json: json, headers: headers, bodyText: bodyText) }
    }

    /// Runs blocking work on a thread of its own: neither the cooperative pool nor the dispatch pool,
    /// whose threads the server's database queues need.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Sends a request and reads its response, blocking the calling thread.
    public func requestBlocking(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [(String, String)] = [],
        bodyText: String? = nil
    ) throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let body = Array((json ?? bodyText ?? "").utf8)
        if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try readResponse(forHead: method == "HEAD")
    }

    /// Reads one response (Content-Length or close-delimited; `forHead` skips the body).
    public func readResponse(forHead: Bool = false) throws -> TestResponse {
        let headEnd = try readUntil([13, 10, 13, 10])
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestClientError.malformed(headText) }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if status == 100 { return TestResponse(status: 100, headers: headers, body: []) }
        let length = headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) } ?? 0
        if forHead || status == 204 || status == 304 { return TestResponse(status: status, headers: headers, body: []) }
        while buffer.count < length { try fill() }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// True when the server closed the connection (read returns 0) within the timeout.
    public func isClosedByServer() -> Bool {
        if !buffer.isEmpty { return false }
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n < 0 && errno == EINTR { continue }
            return n == 0 || (n < 0 && errno == ECONNRESET)
        }
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        while true {
            if let index = find(marker) { return index }
            try fill()
        }
    }

    private func find(_ marker: [UInt8]) -> Int? {
        guard buffer.count >= marker.count else { return nil }
        for start in 0...(buffer.count - marker.count) where buffer[start..<(start + marker.count)].elementsEqual(marker) {
            return start
        }
        return nil
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer += chunk[..<n]
                return
            }
            if n == 0 { throw TestClientError.closed }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw TestClientError.timeout }
            throw TestClientError.closed
        }
    }
}
