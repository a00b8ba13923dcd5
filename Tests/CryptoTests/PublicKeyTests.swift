import Crypto
import Foundation
import Testing

@Suite struct PublicKeyTests {
    static let fixtureKeys: [(file: String, algorithm: PublicKeyAlgorithm)] = [
        ("grype-cosign.pub", .ecdsaP256),
        ("grype-another_cosign.pub", .ecdsaP256),
        ("slsa-verifier-vsa_signing_public_key.pem", .ecdsaP256),
        ("witness-testpub.pem", .ed25519),
        ("in-toto-golang-alice.pub", .rsa(bits: 2048)),
        ("in-toto-carl.pub", .rsa(bits: 3072)),
        ("attestation-verifier-key.derived.pem", .ed25519),
        ("scai-key-1f575092.derived.pem", .rsa(bits: 3072)),
    ]

    @Test(arguments: fixtureKeys)
    func parsesPublishedKeysWithTheirAlgorithm(file: String, algorithm: PublicKeyAlgorithm) throws {
        let key = try PublicKey(pemEncoded: Fixtures.text(file))
        #expect(key.algorithm == algorithm)
        #expect(key.id.count == 64)
        #expect(key.id == SHA256.hexDigest(key.derEncoded))
        // Stable: parsing the re-encoded forms gives the same key.
        #expect(try PublicKey(derEncoded: key.derEncoded).id == key.id)
        #expect(try PublicKey(pemEncoded: key.pemEncoded).id == key.id)
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"), arguments: fixtureKeys)
    func idEqualsTheSHA256OfTheDEROpenSSLWrites(file: String, algorithm: PublicKeyAlgorithm) throws {
        let expected = try OpenSSLCLI.publicKeyID(pemFile: Fixtures.url(file).path)
        #expect(try PublicKey(pemEncoded: Fixtures.text(file)).id == expected)
    }

    @Test func derEncodingIsTheSubjectPublicKeyInfoInsideThePEM() throws {
        let pem = try Fixtures.text("grype-cosign.pub")
        let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Base64.decode(base64))
        #expect(try PublicKey(pemEncoded: pem).derEncoded == der)
    }

    @Test func rawEd25519KeyEqualsItsSubjectPublicKeyInfoForm() throws {
        // keyval.public of attestation-verifier-key.pub (securesystemslib JSON).
        let raw = "7345b83c121ea0d9ffc3b38d69958718b8435e8cb0552f889d695586693e1b89".hexBytes
        let key = try PublicKey(ed25519Raw: raw)
        #expect(key.algorithm == .ed25519)
        #expect(key.id == (try PublicKey(pemEncoded: Fixtures.text("attestation-verifier-key.derived.pem")).id))
        #expect(key.derEncoded.suffix(32) == raw[...])
    }

    @Test(arguments: [0, 31, 33, 64])
    func refusesRawEd25519KeysOfTheWrongLength(count: Int) {
        #expect(throws: KeyError.self) { try PublicKey(ed25519Raw: [UInt8](repeating: 7, count: count)) }
    }

    @Test func pemOutputUsesSixtyFourCharacterLines() throws {
        let key = try PublicKey(pemEncoded: Fixtures.text("in-toto-carl.pub"))
        let lines = key.pemEncoded.split(separator: "\n")
        #expect(lines.first == "-----BEGIN PUBLIC KEY-----")
        #expect(lines.last == "-----END PUBLIC KEY-----")
        #expect(lines.dropFirst().dropLast().dropLast().allSatisfy { $0.count == 64 })
        #expect(key.pemEncoded.hasSuffix("-----END PUBLIC KEY-----\n"))
    }

    @Test func acceptsSurroundingWhitespaceAndAMissingFinalNewline() throws {
        let pem = try Fixtures.text("grype-cosign.pub")
        let id = try PublicKey(pemEncoded: pem).id
        #expect(try PublicKey(pemEncoded: "\n  \r\n" + pem + "\n\n").id == id)
        #expect(try PublicKey(pemEncoded: pem.trimmingCharacters(in: .newlines)).id == id)
        #expect(try PublicKey(pemEncoded: pem.replacingOccurrences(of: "\n", with: "\r\n")).id == id)
    }

    // MARK: policy, with keys made by the openssl CLI

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesRSA1024WithTheMinimumSize() throws {
        let pem = try CLIKeys.rsa1024.get().publicPEM
        let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
        #expect(error.reason == "RSA keys must be at least 2048 bits (this one has 1024)")
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func acceptsRSA2048() throws {
        #expect(try PublicKey(pemEncoded: CLIKeys.rsa2048.get().publicPEM).algorithm == .rsa(bits: 2048))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func acceptsP384() throws {
        #expect(try PublicKey(pemEncoded: CLIKeys.p384.get().publicPEM).algorithm == .ecdsaP384)
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"),
        arguments: [("secp256k1", "unsupported curve secp256k1: use P-256 or P-384"),
                    ("P-521", "unsupported curve secp521r1: use P-256 or P-384")])
    func refusesOtherCurvesNamingThem(curve: String, reason: String) throws {
        let pem = try OpenSSLCLI.generateKeyPair(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve)"]).publicPEM
        let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
        #expect(error.reason == reason)
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"),
        arguments: ["X25519", "X448", "ED448"])
    func refusesKeysThatAreNotSupportedSignatureKeys(algorithm: String) throws {
        let pem = try OpenSSLCLI.generateKeyPair(["-algorithm", algorithm]).publicPEM
        let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
        #expect(error.reason.contains("use ECDSA P-256/P-384, Ed25519 or RSA"))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesDSA() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try OpenSSLCLI.run(["genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", directory.path("params.pem")])
        let pem = try OpenSSLCLI.generateKeyPair(["-paramfile", directory.path("params.pem")]).publicPEM
        let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
        #expect(error.reason.hasPrefix("DSA keys are not supported"))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesExplicitCurveParametersEvenForP256() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let named = try directory.write(CLIKeys.p256.get().publicPEM, to: "named.pem")
        try OpenSSLCLI.run(["ec", "-pubin", "-in", named, "-param_enc", "explicit", "-pubout", "-out", directory.path("explicit.pem")])
        let explicit = String(decoding: try directory.read("explicit.pem"), as: UTF8.self)
        let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: explicit) }
        #expect(error.reason.contains("explicit curve parameters"))
        #expect(try PublicKey(pemEncoded: CLIKeys.p256.get().publicPEM).algorithm == .ecdsaP256)
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func givesACompressedPointKeyTheSameIDAsItsUncompressedForm() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let uncompressed = try CLIKeys.p256.get().publicPEM
        let input = try directory.write(uncompressed, to: "uncompressed.pem")
        try OpenSSLCLI.run(["ec", "-pubin", "-in", input, "-conv_form", "compressed", "-pubout", "-out", directory.path("compressed.pem")])
        let compressed = String(decoding: try directory.read("compressed.pem"), as: UTF8.self)
        let key = try PublicKey(pemEncoded: compressed)
        #expect(key.algorithm == .ecdsaP256)
        #expect(key.derEncoded.count == 91)   // 0x04 || X || Y
        #expect(key.id == (try PublicKey(pemEncoded: uncompressed).id))
        let message = Array("compressed".utf8)
        let signature = try PrivateKey(pemEncoded: CLIKeys.p256.get().privatePEM).signature(for: message)
        #expect(key.isValidSignature(signature, for: message))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesAnRSAKeyWithAnEvenExponent() throws {
        // 65537 → 65536: same DER length, so only the last byte changes.
        var der = try PublicKey(pemEncoded: CLIKeys.rsa2048.get().publicPEM).derEncoded
        #expect(der.suffix(5) == [0x02, 0x03, 0x01, 0x00, 0x01])
        der[der.count - 1] = 0x00
        let error = try #require(throws: KeyError.self) { try PublicKey(derEncoded: der) }
        #expect(error.reason == "RSA public exponent must be an odd number of at least 3")
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func refusesAPrivateKeyPEMAsAPublicKey() throws {
        for pem in [try CLIKeys.p256.get().privatePEM, try GeneratedKeys.key(.ed25519).pemEncoded] {
            let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
            #expect(error.reason.hasPrefix("this is a private key"))
            #expect(!error.reason.contains("MII"))   // never echoes key material
        }
    }

    @Test func refusesACertificatePEM() throws {
        let certificate = try SelfSignedCertificate.make(commonName: "localhost").certificatePEM
        let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: certificate) }
        #expect(error.reason.hasPrefix("certificates are not accepted here"))
    }

    @Test func refusesPKCS1RSAPublicKeyPEM() throws {
        let pem = try Fixtures.text("in-toto-golang-alice.pub").replacingOccurrences(of: "PUBLIC KEY", with: "RSA PUBLIC KEY")
        #expect(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
    }

    @Test(arguments: [
        "", "   \n", "hello", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAc0W4PBIeoNn/w7ONaZWHGLhDXoywVS+InWlVhmk+G4k=\n",
        "-----BEGIN FOO-----\nMCowBQYDK2VwAyEAc0W4PBIeoNn/w7ONaZWHGLhDXoywVS+InWlVhmk+G4k=\n-----END FOO-----\n",
    ])
    func refusesGarbage(text: String) {
        #expect(throws: KeyError.self) { try PublicKey(pemEncoded: text) }
    }

    @Test func refusesRandomBytesAsDER() {
        #expect(throws: KeyError.self) { try PublicKey(derEncoded: []) }
        for _ in 0..<50 {
            #expect(throws: KeyError.self) { try PublicKey(derEncoded: SecureRandom.bytes(count: 91)) }
        }
    }

    @Test func refusesTextAroundThePEMBlock() throws {
        let pem = try Fixtures.text("witness-testpub.pem")
        for text in [pem + "garbage\n", pem + pem, "comment\n" + pem, pem + "\0"] {
            let error = try #require(throws: KeyError.self) { try PublicKey(pemEncoded: text) }
            #expect(!error.reason.contains("garbage"))
        }
    }

    @Test func refusesTrailingBytesAfterTheDER() throws {
        let der = try PublicKey(pemEncoded: Fixtures.text("grype-cosign.pub")).derEncoded
        let error = try #require(throws: KeyError.self) { try PublicKey(derEncoded: der + [0]) }
        #expect(error.reason == "unexpected data after the public key")
        // The same inside a PEM block.
        let pem = "-----BEGIN PUBLIC KEY-----\n\(Base64.encode(der + [0, 0, 0]))\n-----END PUBLIC KEY-----\n"
        #expect(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
        #expect(throws: KeyError.self) { try PublicKey(derEncoded: Array(der.dropLast())) }
    }

    @Test func refusesOversizedInputBeforeParsing() {
        let huge = String(repeating: "A", count: 20_000)
        let pem = "-----BEGIN PUBLIC KEY-----\n\(huge)\n-----END PUBLIC KEY-----\n"
        let error = #expect(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
        #expect(error?.reason.contains("too large") == true)
        #expect(throws: KeyError.self) { try PublicKey(derEncoded: [UInt8](repeating: 0x30, count: 20_000)) }
    }

    @Test func refusesAnEncryptedPEMHeader() throws {
        let pem = try Fixtures.text("grype-cosign.pub").replacingOccurrences(
            of: "-----BEGIN PUBLIC KEY-----\n",
            with: "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n")
        #expect(throws: KeyError.self) { try PublicKey(pemEncoded: pem) }
    }

    @Test func keysAreUsableFromManyTasksAtOnce() async throws {
        let key = try PublicKey(pemEncoded: Fixtures.text("slsa-verifier-vsa_signing_public_key.pem"))
        let published = try PublishedSignature(envelope: "slsa-verifier-gke-gce-pre.bcid-vsa.jsonl")
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    index.isMultiple(of: 2)
                        ? key.isValidSignature(published.signature, for: published.pae)
                        : !key.isValidSignature(published.signature, for: published.pae + [0])
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }
}
