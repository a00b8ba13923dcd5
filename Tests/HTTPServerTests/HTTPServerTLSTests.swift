import TestSupport
import Crypto
import HTTPCore
import HTTPServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A self-signed localhost certificate written to a fresh temporary directory.
struct TemporaryCertificate {
    let directory: String
    let certificatePath: String
    let keyPath: String

    init() throws {
        var template = Array("/tmp/httpserver-tls-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestClientError(description: "mkdtemp failed") }
        directory = String(cString: made)
        certificatePath = directory + "/cert.pem"
        keyPath = directory + "/key.pem"
        let pair = try SelfSignedCertificate.make(commonName: "localhost")
        try Self.write(pair.certificatePEM, to: certificatePath)
        try Self.write(pair.privateKeyPEM, to: keyPath)
    }

    func remove() {
        unlink(certificatePath)
        unlink(keyPath)
        rmdir(directory)
    }

    private static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw TestClientError(description: "fopen \(path)") }
        defer { fclose(file) }
        guard fputs(text, file) >= 0 else { throw TestClientError(description: "write \(path)") }
    }
}

extension HTTPServerLiveTests {
    @Suite struct TLS {
        func withTLSServer(
            _ configure: (inout HTTPServerConfiguration) -> Void = { _ in }, _ body: (LiveServer) async throws -> Void
        ) async throws {
            let certificate = try TemporaryCertificate()
            defer { certificate.remove() }
            let context = try TLSServerContext(certificateChainFile: certificate.certificatePath, privateKeyFile: certificate.keyPath)
            try await withLiveServer({
                $0.tls = context
                configure(&$0)
            }, body)
        }

        @Test func servesHTTPSOverARealHandshake() async throws {
            try await withTLSServer { live in
                let port = live.port
                let (version, first, second, closed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let version = try client.startTLS(TLSClientContext())
                    let first = try client.roundTrip(get("/context"))
                    let second = try client.roundTrip("POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi")
                    return (version, first, second, client.waitForClose())
                }
                #expect(version == "TLSv1.3")
                #expect(first.status == 200)
                #expect(first.text.hasPrefix("true 127.0.0.1:"))
                #expect(second.text == "POST /echo\nhi")
                #expect(closed)
            }
        }

        @Test func refusesATLS11OnlyClient() async throws {
            try await withTLSServer { live in
                let port = live.port
                let server = live.server
                let handshakeFailed = try await TestThread.run {
                    let client = try TestClient(port: port)
                    do {
                        _ = try client.startTLS(TLSClientContext(maxVersion: .tls1_1, minVersion: .tls1_1))
                        return false
                    } catch {
                        return true
                    }
                }
                #expect(handshakeFailed)
                #expect(await eventually { server.openConnections == 0 })
            }
        }

        @Test func closesPlaintextHTTPSentToTheTLSPort() async throws {
            try await withTLSServer { live in
                let port = live.port
                let closed = try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send(get("/"))
                    return client.waitForClose()
                }
                #expect(closed)
            }
        }

        @Test func closesAStalledHandshakeAtTheHeaderDeadline() async throws {
            try await withTLSServer({ $0.limits.headerReadTimeout = .milliseconds(300) }) { live in
                let port = live.port
                let (closed, elapsed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let start = ContinuousClock.now
                    try client.send([0x16, 0x03, 0x01])  // the start of a ClientHello record, then silence
                    return (client.waitForClose(), ContinuousClock.now - start)
                }
                #expect(closed)
                #expect(elapsed < .seconds(2))
            }
        }
    }
}
