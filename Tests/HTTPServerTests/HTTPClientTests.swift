import CPosix
import Crypto
import HTTPCore
import HTTPServer
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

extension HTTPServerLiveTests {
    /// `HTTPClient` against the real `HTTPServer` (plain and TLS), and against a raw socket that answers with
    /// hand-written bytes for the framings and faults our server never produces.
    @Suite struct HTTPClientTests {
        @Test func getsAndPostsOverPlainHTTP() async throws {
            try await withLiveServer { live in
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(live.port)")
                let (get, post) = try await TestThread.run {
                    (
                        try client.send(method: .GET, path: "/echo?x=1", headers: ["X-Test": "yes"]),
                        try client.send(method: .POST, path: "/echo", headers: ["Content-Type": "text/plain"], body: Array("payload".utf8))
                    )
                }
                #expect(get.status == 200)
                #expect(get.headers["Content-Type"] == "text/plain")
                #expect(String(decoding: get.body, as: UTF8.self) == "GET /echo?x=1\n")
                #expect(post.status == 200)
                #expect(String(decoding: post.body, as: UTF8.self) == "POST /echo\npayload")
            }
        }

        @Test func prefixesTheBaseURLPathAndResolvesHostNames() async throws {
            try await withLiveServer { live in
                let client = try HTTPClient(baseURL: "http://localhost:\(live.port)/prefix/")
                let response = try await TestThread.run { try client.send(method: .GET, path: "/a/b") }
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == "GET /prefix/a/b")
            }
        }

        @Test func readsLargeBodiesAndRefusesBodiesAboveTheCap() async throws {
            try await withLiveServer { live in
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(live.port)")
                let capped = try HTTPClient(baseURL: "http://127.0.0.1:\(live.port)", maxResponseBytes: 1 << 20)
                let big = try await TestThread.run { try client.send(method: .GET, path: "/big") }
                #expect(big.body.count == 4 << 20 && big.body.allSatisfy { $0 == 0x61 })
                let error = await clientError { try capped.send(method: .GET, path: "/big") }
                #expect(error?.kind == .responseTooLarge)
            }
        }

        @Test func readsAnEarlyAnswerSentBeforeTheBodyWasRead() async throws {
            try await withLiveServer { live in
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(live.port)")
                // /small takes at most 10 bytes: the server answers 413 from Content-Length and closes.
                let response = try await TestThread.run { try client.send(method: .POST, path: "/small", body: [UInt8](repeating: 0x62, count: 256 * 1024)) }
                #expect(response.status == 413)
            }
        }

        @Test func headResponsesHaveNoBody() async throws {
            try await withLiveServer { live in
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(live.port)")
                let response = try await TestThread.run { try client.send(method: .HEAD, path: "/big") }
                #expect(response.status == 200)
                #expect(response.headers["Content-Length"] == String(4 << 20))
                #expect(response.body.isEmpty)
            }
        }

        @Test func connectsOverIPv6Literals() async throws {
            let live: LiveServer
            do {
                live = try LiveServer(host: "::1")
            } catch {
                print("skipping IPv6 client test: this machine has no usable ::1")
                return
            }
            let client = try HTTPClient(baseURL: "http://[::1]:\(live.port)")
            let response = try await TestThread.run { try client.send(method: .GET, path: "/context") }
            await live.stop()
            #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("false [::1]:"))
        }

        @Test func verifiesTheServerCertificateAgainstTheGivenCA() async throws {
            let certificate = try TemporaryCertificate()
            defer { certificate.remove() }
            let context = try TLSServerContext(certificateChainFile: certificate.certificatePath, privateKeyFile: certificate.keyPath)
            try await withLiveServer({ $0.tls = context }) { live in
                let port = live.port
                let trusted = try HTTPClient(baseURL: "https://localhost:\(port)", caFile: certificate.certificatePath)
                let byIP = try HTTPClient(baseURL: "https://127.0.0.1:\(port)", caFile: certificate.certificatePath)
                let systemRoots = try HTTPClient(baseURL: "https://localhost:\(port)")
                let insecure = try HTTPClient(baseURL: "https://localhost:\(port)", insecureSkipVerify: true)
                let (viaName, viaIP, viaInsecure) = try await TestThread.run {
                    (
                        try trusted.send(method: .GET, path: "/context"), try byIP.send(method: .GET, path: "/context"),
                        try insecure.send(method: .GET, path: "/context")
                    )
                }
                #expect(String(decoding: viaName.body, as: UTF8.self).hasPrefix("true "))
                #expect(viaIP.status == 200 && viaInsecure.status == 200)
                let untrusted = await clientError { try systemRoots.send(method: .GET, path: "/context") }
                #expect(untrusted?.kind == .tls)
                #expect(untrusted?.message.contains("certificate") == true)
            }
        }

        @Test func refusesACertificateForAnotherHostName() async throws {
            let directory = try TemporaryDirectory("client-tls")
            defer { directory.remove() }
            let pair = try SelfSignedCertificate.make(commonName: "other.example")
            try Self.write(pair.certificatePEM, to: directory.file("cert.pem"))
            try Self.write(pair.privateKeyPEM, to: directory.file("key.pem"))
            let context = try TLSServerContext(certificateChainFile: directory.file("cert.pem"), privateKeyFile: directory.file("key.pem"))
            try await withLiveServer({ $0.tls = context }) { live in
                // The CA is trusted, but the certificate names other.example (and the loopback IPs), not localhost.
                let client = try HTTPClient(baseURL: "https://localhost:\(live.port)", caFile: directory.file("cert.pem"))
                let error = await clientError { try client.send(method: .GET, path: "/") }
                #expect(error?.kind == .tls)
            }
        }

        @Test func timesOutWhenTheServerNeverAnswers() async throws {
            try await withLiveServer { live in
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(live.port)", timeout: .milliseconds(300))
                let start = ContinuousClock.now
                let error = await clientError { try client.send(method: .GET, path: "/slow") }
                let elapsed = ContinuousClock.now - start
                live.responder.gate.open()
                #expect(error?.kind == .timeout)
                #expect(error?.message.contains("timed out") == true)
                #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(2))
            }
        }

        @Test func reportsARefusedConnection() async throws {
            let port = try Self.closedPort()
            let client = try HTTPClient(baseURL: "http://127.0.0.1:\(port)")
            let error = await clientError { try client.send(method: .GET, path: "/") }
            #expect(error?.kind == .connectionRefused)
            #expect(error?.message.contains("refused") == true)
        }

        @Test func decodesChunkedBodiesWithExtensionsAndTrailers() async throws {
            let response = try await CannedServer.exchange(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n")
            #expect(response.value?.status == 200)
            #expect(response.value.map { String(decoding: $0.body, as: UTF8.self) } == "hello, world")
        }

        @Test func readsCloseDelimitedBodiesAndSkipsInterimResponses() async throws {
            let closeDelimited = try await CannedServer.exchange("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
            #expect(closeDelimited.value.map { String(decoding: $0.body, as: UTF8.self) } == "until the end")
            let interim = try await CannedServer.exchange("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n")
            #expect(interim.value?.status == 204)
            #expect(interim.value?.headers["X-A"] == "b")
        }

        @Test func refusesMalformedResponses() async throws {
            let cases = [
                "SSH-2.0-OpenSSH_9.2\r\n\r\n",  // not HTTP at all
                "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",  // closed mid-body
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",  // two framings
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",  // conflicting lengths
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  // bad chunk size
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",  // a coding we cannot decode
                "HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",  // obsolete line folding
                "HTTP/1.1 2000 OK\r\n\r\n",  // bad status
                "HTTP/1.1 200 OK\r\nX: y",  // closed inside the head
                "",  // closed without a byte
            ]
            for bytes in cases {
                let result = try await CannedServer.exchange(bytes)
                #expect(result.error?.kind == .malformedResponse, "\(bytes.debugDescription) gave \(String(describing: result))")
            }
        }

        @Test func refusesUnsafeURLsPathsAndHeaders() async throws {
            for url in ["ftp://x", "http://", "http://user@host", "http://h:0", "http://h:99999", "http://h/?q", "http://a:b:c", "http://h o"] {
                #expect(throws: HTTPClientError.self, "\(url)") { try HTTPClient(baseURL: url) }
            }
            #expect(throws: HTTPClientError.self) { try HTTPClient(baseURL: "http://h", caFile: "/ca.pem") }
            #expect(throws: HTTPClientError.self) { try HTTPClient(baseURL: "https://h", caFile: "/nonexistent/ca.pem") }
            #expect(throws: HTTPClientError.self) { try HTTPClient(baseURL: "http://h", timeout: .zero) }
            let client = try HTTPClient(baseURL: "http://127.0.0.1:1")
            for (path, headers) in [("no-slash", HTTPHeaders()), ("/a b", [:]), ("/", ["X": "a\r\nInjected: 1"]), ("/", ["Bad Name": "v"]),
                                    ("/", ["Host": "evil"]), ("/", ["Content-Length": "5"])] as [(String, HTTPHeaders)] {
                let error = await clientError { try client.send(method: .GET, path: path, headers: headers) }
                #expect(error?.kind == .invalidRequest, "\(path) \(headers)")
            }
        }

        // MARK: Helpers

        /// A port nothing listens on: bound, then closed.
        static func closedPort() throws -> Int {
            let server = try CannedServer()
            let port = server.port
            server.close()
            return port
        }

        static func write(_ text: String, to path: String) throws {
            guard let file = fopen(path, "w") else { throw TestClientError(description: "fopen \(path)") }
            defer { fclose(file) }
            guard fputs(text, file) >= 0 else { throw TestClientError(description: "write \(path)") }
        }
    }
}

/// Runs `body` on its own thread and returns the `HTTPClientError` it threw (nil if it succeeded or threw something else).
func clientError(_ body: @escaping @Sendable () throws -> HTTPClientResponse) async -> HTTPClientError? {
    do {
        _ = try await TestThread.run(body)
        return nil
    } catch {
        return error as? HTTPClientError
    }
}

/// A listening socket that answers one connection with fixed bytes after reading the request head, then closes.
final class CannedServer: @unchecked Sendable {  // fd is set once; close() is called by the owning test only
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, cposix_SOCK_STREAM | cposix_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            Glibc.close(fd)
            throw TestClientError(description: "bind/listen: errno \(errno)")
        }
        // accept() honours SO_RCVTIMEO, so a test whose client never connects cannot hang here.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var storage = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: storage.sin_port))
    }

    func close() { Glibc.close(fd) }

    /// Accepts one connection, reads until the end of the request head, writes `bytes` and closes.
    func answerOnce(with bytes: [UInt8]) throws {
        let connection = accept(fd, nil, nil)
        guard connection >= 0 else { throw TestClientError(description: "accept: errno \(errno)") }
        defer { Glibc.close(connection) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !received.ends(with: Array("\r\n\r\n".utf8)) {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            received += chunk[0..<count]
        }
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What an `HTTPClient` GET made of `response`: the parsed response or the client error.
    static func exchange(_ response: String) async throws -> Result<HTTPClientResponse, HTTPClientError> {
        let server = try CannedServer()
        defer { server.close() }
        let bytes = Array(response.utf8)
        let serving = Task { try await TestThread.run { try server.answerOnce(with: bytes) } }
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", timeout: .seconds(3))
        let result: Result<HTTPClientResponse, HTTPClientError>
        do {
            result = .success(try await TestThread.run { try client.send(method: .GET, path: "/") })
        } catch let error as HTTPClientError {
            result = .failure(error)
        }
        try await serving.value
        return result
    }
}

extension Result where Failure == HTTPClientError {
    fileprivate var value: Success? { try? get() }
    fileprivate var error: HTTPClientError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
