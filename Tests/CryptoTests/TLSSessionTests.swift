import Testing

@testable import Crypto

@Suite struct TLSSessionTests {
    @Test func completesATLS13HandshakeAndExchangesDataBothWays() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext().makeSession(serverName: "localhost")
        #expect(client.negotiatedVersion == nil)

        let states = handshake(client: client, server: server)
        #expect(states.client.isComplete && states.server.isComplete)
        #expect(server.negotiatedVersion == "TLSv1.3")
        #expect(client.negotiatedVersion == "TLSv1.3")
        #expect(server.handshake().isComplete)   // idempotent once done

        let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)
        #expect(try send(request, from: client, to: server) == request)
        let response = Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)
        #expect(try send(response, from: server, to: client) == response)
    }

    @Test func deliversLargeWritesCompletely() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext().makeSession(serverName: "localhost")
        #expect(handshake(client: client, server: server).server.isComplete)
        let payload = SecureRandom.bytes(count: 300_000)   // many 16 KiB records
        #expect(try send(payload, from: server, to: client) == payload)
    }

    @Test func clientLimitedToTLS12NegotiatesTLS12() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext(maxVersion: .tls1_2).makeSession(serverName: "localhost")
        let states = handshake(client: client, server: server)
        #expect(states.client.isComplete && states.server.isComplete)
        #expect(server.negotiatedVersion == "TLSv1.2")
        #expect(try send(Array("ping".utf8), from: client, to: server) == Array("ping".utf8))
    }

    @Test(arguments: ["AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA256", "AES256-SHA"])
    func serverRefusesTLS12SuitesWithoutECDHEOrAEAD(cipher: String) throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let weakClient = TLSClientContext(verifyPeer: false, caFile: nil, maxVersion: .tls1_2, minVersion: nil, tls12CipherList: cipher)
        let states = handshake(client: try weakClient.makeSession(serverName: "localhost"), server: server)
        let serverError = try #require(states.server.error)
        #expect(serverError.details.contains { $0.contains("no shared cipher") })
    }

    @Test func serverAcceptsAnECDHEAEADSuiteOverTLS12() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = TLSClientContext(
            verifyPeer: false, caFile: nil, maxVersion: .tls1_2, minVersion: nil, tls12CipherList: "ECDHE-ECDSA-CHACHA20-POLY1305")
        let states = handshake(client: try client.makeSession(serverName: "localhost"), server: server)
        #expect(states.server.isComplete)
    }

    @Test func serverRefusesATLS11Client() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext(maxVersion: .tls1_1).makeSession(serverName: "localhost")
        let states = handshake(client: client, server: server)
        // The server (not the client) is the one refusing: it saw a real TLS 1.1 ClientHello.
        let serverError = try #require(states.server.error)
        #expect(serverError.operation == "SSL_do_handshake")
        #expect(serverError.details.contains { $0.contains("unsupported protocol") })
        #expect(states.client.error != nil)
        #expect(server.negotiatedVersion == nil)
    }

    @Test func corruptedCiphertextFailsTheSessionCleanly() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext().makeSession(serverName: "localhost")
        #expect(handshake(client: client, server: server).server.isComplete)

        try Array("secret request".utf8).withUnsafeBytes { try client.writePlaintext($0) }
        var record = client.takeCiphertext()
        record[record.count - 5] ^= 0x01   // inside the AEAD tag
        record.withUnsafeBytes { server.feedCiphertext($0) }

        var buffer = [UInt8](repeating: 0, count: 1024)
        #expect(throws: OpenSSLError.self) { try buffer.withUnsafeMutableBytes { _ = try server.readPlaintext(into: $0) } }
        // The session stays dead: no further I/O reaches OpenSSL.
        #expect(throws: OpenSSLError.self) { try buffer.withUnsafeMutableBytes { _ = try server.readPlaintext(into: $0) } }
        #expect(throws: OpenSSLError.self) { try Array("x".utf8).withUnsafeBytes { try server.writePlaintext($0) } }
        server.close()   // harmless after a failure
        // The server queued an alert (encrypted in TLS 1.3); the client reads it as a failure, not as data or EOF.
        #expect(transfer(server, to: client) > 0)
        let clientError = #expect(throws: OpenSSLError.self) { try buffer.withUnsafeMutableBytes { _ = try client.readPlaintext(into: $0) } }
        #expect(clientError?.details.contains { $0.contains("bad record mac") } == true)
    }

    @Test func closeDeliversCloseNotifyAsClosed() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext().makeSession(serverName: "localhost")
        #expect(handshake(client: client, server: server).server.isComplete)
        client.close()
        client.close()
        transfer(client, to: server)
        var buffer = [UInt8](repeating: 0, count: 1024)
        #expect(try buffer.withUnsafeMutableBytes { try server.readPlaintext(into: $0) } == .closed)
        #expect(throws: OpenSSLError.self) { try Array("late".utf8).withUnsafeBytes { try client.writePlaintext($0) } }
    }

    @Test func readsReportWantIOUntilDataArrives() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext().makeSession(serverName: "localhost")
        #expect(handshake(client: client, server: server).server.isComplete)
        var buffer = [UInt8](repeating: 0, count: 1024)
        #expect(try buffer.withUnsafeMutableBytes { try server.readPlaintext(into: $0) } == .wantIO)

        // A record split across two feeds is reassembled.
        try Array("split".utf8).withUnsafeBytes { try client.writePlaintext($0) }
        let record = client.takeCiphertext()
        record[..<3].withUnsafeBytes { server.feedCiphertext($0) }
        #expect(try buffer.withUnsafeMutableBytes { try server.readPlaintext(into: $0) } == .wantIO)
        record[3...].withUnsafeBytes { server.feedCiphertext($0) }
        #expect(try buffer.withUnsafeMutableBytes { try server.readPlaintext(into: $0) } == .bytes(5))
    }

    @Test func writingBeforeTheHandshakeThrows() throws {
        let client = try TLSClientContext().makeSession(serverName: "localhost")
        _ = client.handshake()
        #expect(throws: OpenSSLError.self) { try Array("early".utf8).withUnsafeBytes { try client.writePlaintext($0) } }
    }

    @Test func garbageFromAPeerFailsTheHandshake() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { server.feedCiphertext($0) }
        #expect(server.handshake().error != nil)
        #expect(server.handshake().error != nil)   // stays failed
    }
}

@Suite struct TLSContextTests {
    @Test func serverContextRefusesAKeyThatDoesNotMatchTheCertificate() throws {
        let files = try CertificateFiles()
        let other = try CertificateFiles()
        defer { files.remove(); other.remove() }
        let error = #expect(throws: OpenSSLError.self) {
            try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: other.keyPath)
        }
        #expect(error?.details.isEmpty == false)
    }

    @Test func serverContextRefusesMissingAndGarbageFiles() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let garbage = try files.write("not a key\n", named: "garbage.pem")
        #expect(throws: OpenSSLError.self) {
            try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.directory.path + "/missing.pem")
        }
        #expect(throws: OpenSSLError.self) {
            try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: garbage)
        }
        #expect(throws: OpenSSLError.self) {
            try TLSServerContext(certificateChainFile: garbage, privateKeyFile: files.keyPath)
        }
    }

    @Test(arguments: ["localhost", "127.0.0.1", "::1"])
    func verifyingClientAcceptsTheCertificateForItsNames(serverName: String) throws {
        let files = try CertificateFiles(commonName: "localhost")
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext(verifyPeer: true, caFile: files.certificatePath).makeSession(serverName: serverName)
        let states = handshake(client: client, server: server)
        #expect(states.client.isComplete, "\(String(describing: states.client.error))")
        #expect(states.server.isComplete)
    }

    @Test(arguments: ["example.com", "127.0.0.2"])
    func verifyingClientRejectsAnotherName(serverName: String) throws {
        let files = try CertificateFiles(commonName: "localhost")
        defer { files.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext(verifyPeer: true, caFile: files.certificatePath).makeSession(serverName: serverName)
        let error = try #require(handshake(client: client, server: server).client.error)
        #expect(error.details.contains { $0.contains("certificate verification") })
    }

    @Test func verifyingClientRejectsAnUntrustedCertificate() throws {
        let files = try CertificateFiles()
        let otherCA = try CertificateFiles()
        defer { files.remove(); otherCA.remove() }
        let server = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath).makeSession()
        let client = try TLSClientContext(verifyPeer: true, caFile: otherCA.certificatePath).makeSession(serverName: "localhost")
        #expect(handshake(client: client, server: server).client.error != nil)
    }

    @Test func verifyingClientNeedsAServerName() {
        #expect(throws: OpenSSLError.self) { try TLSClientContext(verifyPeer: true).makeSession(serverName: nil) }
    }

    @Test func serverNamesWithNULAreRefused() {
        #expect(throws: OpenSSLError.self) { try TLSClientContext().makeSession(serverName: "localhost\0.evil.example") }
    }

    @Test func clientConfigurationErrorsSurfaceFromMakeSession() {
        #expect(throws: OpenSSLError.self) {
            try TLSClientContext(maxVersion: .tls1_2, minVersion: .tls1_3).makeSession(serverName: "localhost")
        }
        #expect(throws: OpenSSLError.self) {
            try TLSClientContext(verifyPeer: true, caFile: "/nonexistent/ca.pem").makeSession(serverName: "localhost")
        }
    }

    @Test func sharedServerContextServesConcurrentSessions() async throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let serverContext = try TLSServerContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath)
        let clientContext = TLSClientContext()
        let completed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let server = try serverContext.makeSession()
                    let client = try clientContext.makeSession(serverName: "localhost")
                    let states = handshake(client: client, server: server)
                    return states.client.isComplete && states.server.isComplete
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(completed == 8)
    }
}

@Suite struct SelfSignedCertificateTests {
    @Test func producesPEMCertificateAndPKCS8Key() throws {
        let pem = try SelfSignedCertificate.make(commonName: "shipgate.test")
        #expect(pem.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(pem.certificatePEM.hasSuffix("-----END CERTIFICATE-----\n"))
        #expect(pem.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
    }

    @Test func generatesAFreshKeyEachTime() throws {
        let first = try SelfSignedCertificate.make(commonName: "localhost")
        let second = try SelfSignedCertificate.make(commonName: "localhost")
        #expect(first.privateKeyPEM != second.privateKeyPEM)
        #expect(first.certificatePEM != second.certificatePEM)
    }

    @Test(arguments: ["", "a,IP:10.0.0.1", "bad name", "-leading", String(repeating: "a", count: 65)])
    func refusesNamesThatAreNotPlainDNSNames(commonName: String) {
        #expect(throws: OpenSSLError.self) { try SelfSignedCertificate.make(commonName: commonName) }
    }
}
