import Crypto
import Foundation
import Testing

@Suite struct PrivateKeyTests {
    @Test(arguments: PublicKeySignatureTests.allAlgorithms)
    func generatesKeysOfTheRequestedAlgorithm(algorithm: PublicKeyAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        #expect(key.publicKey.algorithm == algorithm)
    }

    @Test(arguments: PublicKeySignatureTests.allAlgorithms)
    func pemRoundTripKeepsTheKey(algorithm: PublicKeyAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let pem = key.pemEncoded
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let parsed = try PrivateKey(pemEncoded: pem)
        #expect(parsed.publicKey.id == key.publicKey.id)
        #expect(parsed.publicKey.algorithm == algorithm)
        // The reloaded key signs for the original public key.
        let message = Array("round trip".utf8)
        #expect(key.publicKey.isValidSignature(try parsed.signature(for: message), for: message))
    }

    @Test func generatesDistinctKeys() throws {
        let first = try PrivateKey.generate(.ecdsaP256)
        let second = try PrivateKey.generate(.ecdsaP256)
        #expect(first.publicKey.id != second.publicKey.id)
    }

    @Test(arguments: [1024, 2047, 16385])
    func refusesToGenerateRSAKeysOutsideThePolicy(bits: Int) {
        #expect(throws: KeyError.self) { try PrivateKey.generate(.rsa(bits: bits)) }
    }

    @Test func signatureSizesMatchTheAlgorithm() throws {
        let message = Array("sizes".utf8)
        #expect(try GeneratedKeys.key(.ed25519).signature(for: message).count == 64)
        #expect(try GeneratedKeys.key(.rsa(bits: 2048)).signature(for: message).count == 256)
        let p256 = try GeneratedKeys.key(.ecdsaP256).signature(for: message)
        #expect(p256.first == 0x30 && (8...72).contains(p256.count))
        let p384 = try GeneratedKeys.key(.ecdsaP384).signature(for: message)
        #expect(p384.first == 0x30 && (8...104).contains(p384.count))
    }

    @Test func signsFromManyTasksAtOnce() async throws {
        let key = try GeneratedKeys.key(.ecdsaP256)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let message = Array("task \(index)".utf8)
                    guard let signature = try? key.signature(for: message) else { return false }
                    return key.publicKey.isValidSignature(signature, for: message)
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 32 && results.allSatisfy { $0 })
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func readsPKCS8KeysWrittenByTheCLI() throws {
        for pair in [try CLIKeys.p256.get(), try CLIKeys.p384.get(), try CLIKeys.ed25519.get(), try CLIKeys.rsa2048.get()] {
            let key = try PrivateKey(pemEncoded: pair.privatePEM)
            #expect(key.publicKey.id == (try PublicKey(pemEncoded: pair.publicPEM).id))
        }
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func readsTraditionalECAndRSAKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ec = try directory.write(CLIKeys.p256.get().privatePEM, to: "ec.pem")
        let rsa = try directory.write(CLIKeys.rsa2048.get().privatePEM, to: "rsa.pem")
        try OpenSSLCLI.run(["ec", "-in", ec, "-out", directory.path("ec-traditional.pem")])
        try OpenSSLCLI.run(["rsa", "-in", rsa, "-traditional", "-out", directory.path("rsa-traditional.pem")])
        let ecTraditional = String(decoding: try directory.read("ec-traditional.pem"), as: UTF8.self)
        let rsaTraditional = String(decoding: try directory.read("rsa-traditional.pem"), as: UTF8.self)
        #expect(ecTraditional.hasPrefix("-----BEGIN EC PRIVATE KEY-----"))
        #expect(rsaTraditional.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(try PrivateKey(pemEncoded: ecTraditional).publicKey.id == (try PublicKey(pemEncoded: CLIKeys.p256.get().publicPEM).id))
        #expect(try PrivateKey(pemEncoded: rsaTraditional).publicKey.id == (try PublicKey(pemEncoded: CLIKeys.rsa2048.get().publicPEM).id))
        // The pemEncoded form is PKCS#8 whatever was read.
        #expect(try PrivateKey(pemEncoded: ecTraditional).pemEncoded.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesEncryptedKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plain = try directory.write(CLIKeys.p256.get().privatePEM, to: "key.pem")
        try OpenSSLCLI.run(["pkey", "-in", plain, "-aes256", "-passout", "pass:secret", "-out", directory.path("encrypted.pem")])
        let encrypted = String(decoding: try directory.read("encrypted.pem"), as: UTF8.self)
        let error = try #require(throws: KeyError.self) { try PrivateKey(pemEncoded: encrypted) }
        #expect(error.reason.hasPrefix("encrypted private keys are not supported"))
        // Traditional (RFC 1421 header) encryption too.
        try OpenSSLCLI.run(["ec", "-in", plain, "-aes256", "-passout", "pass:secret", "-out", directory.path("legacy.pem")])
        let legacy = String(decoding: try directory.read("legacy.pem"), as: UTF8.self)
        #expect(legacy.contains("Proc-Type: 4,ENCRYPTED"))
        #expect(throws: KeyError.self) { try PrivateKey(pemEncoded: legacy) }
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesPrivateKeysOfUnsupportedAlgorithms() throws {
        let pem = try OpenSSLCLI.generateKeyPair(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"]).privatePEM
        let error = try #require(throws: KeyError.self) { try PrivateKey(pemEncoded: pem) }
        #expect(error.reason == "unsupported curve secp256k1: use P-256 or P-384")
        #expect(throws: KeyError.self) { try PrivateKey(pemEncoded: CLIKeys.rsa1024.get().privatePEM) }
    }

    @Test func refusesPublicKeysCertificatesAndGarbage() throws {
        let certificate = try SelfSignedCertificate.make(commonName: "localhost").certificatePEM
        for text in [try Fixtures.text("grype-cosign.pub"), certificate, "", "garbage",
                     "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"] {
            #expect(throws: KeyError.self) { try PrivateKey(pemEncoded: text) }
        }
        let pem = try GeneratedKeys.key(.ed25519).pemEncoded
        #expect(throws: KeyError.self) { try PrivateKey(pemEncoded: pem + "trailing\n") }
        #expect(throws: KeyError.self) { try PrivateKey(pemEncoded: pem + pem) }
    }
}
