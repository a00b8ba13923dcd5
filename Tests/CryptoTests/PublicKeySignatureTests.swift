import Crypto
import Foundation
import Testing


/// Signs `message` with the openssl CLI: `dgst -<digest> -sign` (DER for ECDSA), or `pkeyutl -rawin` when `digest` is nil (Ed25519).
private func cliSign(privatePEM: String, message: [UInt8], digest: String?, options: [String] = []) throws -> [UInt8] {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let key = try directory.write(privatePEM, to: "key.pem")
    let input = try directory.write(message, to: "message.bin")
    if let digest {
        try OpenSSLCLI.run(["dgst", "-\(digest)", "-sign", key] + options + ["-out", directory.path("sig.bin"), input])
    } else {
        try OpenSSLCLI.run(["pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", input, "-out", directory.path("sig.bin")])
    }
    return try directory.read("sig.bin")
}

/// Whether the openssl CLI accepts `signature` (the independent check of what `PrivateKey` produces).
private func cliVerifies(publicPEM: String, signature: [UInt8], message: [UInt8], digest: String?, options: [String] = []) throws -> Bool {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let key = try directory.write(publicPEM, to: "pub.pem")
    let input = try directory.write(message, to: "message.bin")
    let sig = try directory.write(signature, to: "sig.bin")
    do {
        if let digest {
            try OpenSSLCLI.run(["dgst", "-\(digest)", "-verify", key] + options + ["-signature", sig, input])
        } else {
            try OpenSSLCLI.run(["pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", input, "-sigfile", sig])
        }
        return true
    } catch is TestFailure {
        return false
    }
}

private let pssOptions = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_mgf1_md:sha256"]

@Suite struct PublicKeySignatureTests {
    static let allAlgorithms: [PublicKeyAlgorithm] = [.ecdsaP256, .ecdsaP384, .ed25519, .rsa(bits: 2048)]
    let message = Array("in-toto statement bytes \u{1F512}".utf8)

    // MARK: signatures published by other implementations

    static let published: [(envelope: String, key: String)] = [
        ("grype-alpine.cdx.att.json", "grype-cosign.pub"),                                     // P-256, DER (cosign, Go)
        ("slsa-verifier-gke-gce-pre.bcid-vsa.jsonl", "slsa-verifier-vsa_signing_public_key.pem"), // P-256, raw r||s
        ("witness-cdx-att.json", "witness-testpub.pem"),                                        // Ed25519 (witness, Go)
        ("attestation-verifier-build.fe1c6281.json", "attestation-verifier-key.derived.pem"),   // Ed25519 (securesystemslib)
        ("in-toto-golang-demo.dsse.layout", "in-toto-golang-alice.pub"),                        // RSA-2048 PSS
        ("in-toto-package.2f89b927.link", "in-toto-carl.pub"),                                  // RSA-3072 PSS (Python)
        ("scai-evidence-collection.1f575092.json", "scai-key-1f575092.derived.pem"),            // RSA-3072 PSS
    ]

    @Test(arguments: published)
    func verifiesPublishedDSSESignatures(envelope: String, key: String) throws {
        let publicKey = try PublicKey(pemEncoded: Fixtures.text(key))
        let published = try PublishedSignature(envelope: envelope)
        #expect(publicKey.isValidSignature(published.signature, for: published.pae))
        #expect(!publicKey.isValidSignature(published.signature, for: published.pae.flippingBit(published.pae.count * 4)))
        #expect(!publicKey.isValidSignature(published.signature.flippingBit(published.signature.count * 8 - 1), for: published.pae))
    }

    @Test func publishedSignaturesFailWithAnyOtherKey() throws {
        let keys = try Self.published.map { try PublicKey(pemEncoded: Fixtures.text($0.key)) }
            + [try PublicKey(pemEncoded: Fixtures.text("grype-another_cosign.pub"))]
        for (index, entry) in Self.published.enumerated() {
            let published = try PublishedSignature(envelope: entry.envelope)
            for (other, key) in keys.enumerated() where other != index && key.id != keys[index].id {
                #expect(!key.isValidSignature(published.signature, for: published.pae), "\(entry.envelope) with key #\(other)")
            }
        }
    }

    // MARK: round trips with generated keys

    @Test(arguments: allAlgorithms)
    func verifiesItsOwnSignaturesAndRejectsAnyChange(algorithm: PublicKeyAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let signature = try key.signature(for: message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        for bit in [0, 9, signature.count * 4, signature.count * 8 - 1] {
            #expect(!key.publicKey.isValidSignature(signature.flippingBit(bit), for: message), "signature bit \(bit)")
        }
        for bit in [0, message.count * 4, message.count * 8 - 1] {
            #expect(!key.publicKey.isValidSignature(signature, for: message.flippingBit(bit)), "message bit \(bit)")
        }
        #expect(!key.publicKey.isValidSignature(signature, for: message + [0]))
        #expect(!key.publicKey.isValidSignature(signature, for: []))
    }

    @Test(arguments: allAlgorithms)
    func rejectsSignaturesFromAnotherKeyOfTheSameAlgorithm(algorithm: PublicKeyAlgorithm) throws {
        let signer = try GeneratedKeys.key(algorithm)
        let other = algorithm == .rsa(bits: 2048)
            ? try PublicKey(pemEncoded: Fixtures.text("in-toto-golang-alice.pub"))
            : try PrivateKey.generate(algorithm).publicKey
        let signature = try signer.signature(for: message)
        #expect(!other.isValidSignature(signature, for: message))
    }

    @Test(arguments: allAlgorithms)
    func signsAndVerifiesTheEmptyMessage(algorithm: PublicKeyAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        #expect(key.publicKey.isValidSignature(try key.signature(for: []), for: []))
    }

    @Test func verifiesRSAPKCS1v15Signatures() throws {
        let key = try GeneratedKeys.key(.rsa(bits: 2048))
        let pkcs1 = try key.signature(for: message, rsaPadding: .pkcs1v15)
        let pss = try key.signature(for: message, rsaPadding: .pss)
        #expect(pkcs1.count == 256 && pss.count == 256)
        #expect(pkcs1 == (try key.signature(for: message, rsaPadding: .pkcs1v15)))   // deterministic
        #expect(pss != (try key.signature(for: message, rsaPadding: .pss)))          // random salt
        #expect(key.publicKey.isValidSignature(pkcs1, for: message))
        #expect(key.publicKey.isValidSignature(pss, for: message))
        #expect(!key.publicKey.isValidSignature(pkcs1.flippingBit(2047), for: message))
    }

    // MARK: malformed and hostile signatures

    @Test(arguments: allAlgorithms)
    func emptyTinyAndOversizedSignaturesAreFalse(algorithm: PublicKeyAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm).publicKey
        for size in [0, 1, 2, 8, 63, 64, 65, 72, 96, 104, 255, 256, 257, 1024, 1025, 100_000] {
            #expect(!key.isValidSignature([UInt8](repeating: 0, count: size), for: message), "\(size) zero bytes")
            #expect(!key.isValidSignature([UInt8](repeating: 0xFF, count: size), for: message), "\(size) 0xFF bytes")
            #expect(!key.isValidSignature(SecureRandom.bytes(count: size), for: message), "\(size) random bytes")
        }
        // Something shaped like DER but empty inside.
        #expect(!key.isValidSignature([0x30, 0x00], for: message))
        #expect(!key.isValidSignature([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00], for: message))
        #expect(!key.isValidSignature([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], for: message))
    }

    // MARK: ECDSA encodings

    @Test(arguments: [(PublicKeyAlgorithm.ecdsaP256, 32), (.ecdsaP384, 48)])
    func verifiesRawRSConcatenation(algorithm: PublicKeyAlgorithm, coordinateBytes: Int) throws {
        let key = try GeneratedKeys.key(algorithm)
        let der = try key.signature(for: message)
        let raw = try der.ecdsaRawSignature(coordinateBytes: coordinateBytes)
        #expect(raw.count == 2 * coordinateBytes)
        #expect(key.publicKey.isValidSignature(raw, for: message))
        #expect(!key.publicKey.isValidSignature(raw.flippingBit(3), for: message))
        #expect(!key.publicKey.isValidSignature(raw.flippingBit(raw.count * 8 - 1), for: message))
        #expect(!key.publicKey.isValidSignature(Array(raw.dropLast()), for: message))
        #expect(!key.publicKey.isValidSignature(raw + [0], for: message))
        #expect(!key.publicKey.isValidSignature([0] + raw, for: message))
        // s || r is not r || s.
        #expect(!key.publicKey.isValidSignature(Array(raw[coordinateBytes...] + raw[..<coordinateBytes]), for: message))
        for _ in 0..<20 {
            #expect(!key.publicKey.isValidSignature(SecureRandom.bytes(count: 2 * coordinateBytes), for: message))
        }
    }

    @Test func handlesRWithItsHighBitSetAndShortR() throws {
        let key = try GeneratedKeys.key(.ecdsaP256)
        var sawHighBitR = false
        var sawShortR = false
        // r is uniform: P(top bit set) ≈ 1/2, P(top byte zero) ≈ 1/256; 5000 tries miss the latter with p ≈ 3e-9.
        for attempt in 0..<5000 where !(sawHighBitR && sawShortR) {
            let message = Array("message \(attempt)".utf8)
            let der = try key.signature(for: message)
            let r = der.ecdsaDERr
            let raw = try der.ecdsaRawSignature(coordinateBytes: 32)
            if r.count == 33 {
                // DER needs a leading zero octet to keep r positive; raw r has its top bit set.
                #expect(r[0] == 0 && r[1] & 0x80 != 0)
                #expect(raw[0] & 0x80 != 0)
                #expect(key.publicKey.isValidSignature(der, for: message))
                #expect(key.publicKey.isValidSignature(raw, for: message))
                sawHighBitR = true
            } else if r.count < 32 {
                // Raw r carries a leading zero byte that minimal DER must drop.
                #expect(raw[0] == 0)
                #expect(key.publicKey.isValidSignature(der, for: message))
                #expect(key.publicKey.isValidSignature(raw, for: message))
                sawShortR = true
            }
        }
        #expect(sawHighBitR && sawShortR)
    }

    @Test func rejectsNonMinimalDER() throws {
        let key = try GeneratedKeys.key(.ecdsaP256)
        let der = try key.signature(for: message)
        #expect(key.publicKey.isValidSignature(der, for: message))
        // Pad r with a redundant zero octet and fix both lengths: same numbers, non-canonical encoding.
        let rLength = Int(der[3])
        var padded = [0x30, der[1] + 1, 0x02, UInt8(rLength + 1), 0x00] + der[4...]
        #expect(!key.publicKey.isValidSignature(padded, for: message))
        // Trailing bytes after the SEQUENCE.
        padded = der + [0x00]
        #expect(!key.publicKey.isValidSignature(padded, for: message))
    }

    // MARK: signatures made by the openssl CLI (an independent signer)

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func verifiesECDSASignaturesFromTheCLI() throws {
        let p256 = try CLIKeys.p256.get()
        let p256Key = try PublicKey(pemEncoded: p256.publicPEM)
        let p256Signature = try cliSign(privatePEM: p256.privatePEM, message: message, digest: "sha256")
        #expect(p256Key.isValidSignature(p256Signature, for: message))
        #expect(p256Key.isValidSignature(try p256Signature.ecdsaRawSignature(coordinateBytes: 32), for: message))
        // P-256 is paired with SHA-256 only.
        #expect(!p256Key.isValidSignature(try cliSign(privatePEM: p256.privatePEM, message: message, digest: "sha384"), for: message))

        let p384 = try CLIKeys.p384.get()
        let p384Key = try PublicKey(pemEncoded: p384.publicPEM)
        for digest in ["sha384", "sha256"] {
            let signature = try cliSign(privatePEM: p384.privatePEM, message: message, digest: digest)
            #expect(p384Key.isValidSignature(signature, for: message), "P-384 with \(digest)")
            #expect(p384Key.isValidSignature(try signature.ecdsaRawSignature(coordinateBytes: 48), for: message), "raw, \(digest)")
            #expect(!p384Key.isValidSignature(signature, for: message + [1]))
        }
        #expect(!p384Key.isValidSignature(try cliSign(privatePEM: p384.privatePEM, message: message, digest: "sha512"), for: message))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func verifiesEd25519SignaturesFromTheCLIAndSignsIdentically() throws {
        let pair = try CLIKeys.ed25519.get()
        let key = try PublicKey(pemEncoded: pair.publicPEM)
        let signature = try cliSign(privatePEM: pair.privatePEM, message: message, digest: nil)
        #expect(signature.count == 64)
        #expect(key.isValidSignature(signature, for: message))
        #expect(!key.isValidSignature(signature, for: Array(message.dropLast())))
        // Ed25519 is deterministic (RFC 8032 §5.1.6): the same key and message give the same bytes.
        #expect(try PrivateKey(pemEncoded: pair.privatePEM).signature(for: message) == signature)
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"))
    func verifiesRSASignaturesFromTheCLIWithEitherPaddingAndAnySaltLength() throws {
        let pair = try CLIKeys.rsa2048.get()
        let key = try PublicKey(pemEncoded: pair.publicPEM)
        let pkcs1 = try cliSign(privatePEM: pair.privatePEM, message: message, digest: "sha256")
        #expect(key.isValidSignature(pkcs1, for: message))
        for saltLength in ["32", "0", "20", "max", "digest"] {
            let options = pssOptions + ["-sigopt", "rsa_pss_saltlen:\(saltLength)"]
            let pss = try cliSign(privatePEM: pair.privatePEM, message: message, digest: "sha256", options: options)
            #expect(key.isValidSignature(pss, for: message), "PSS salt \(saltLength)")
            #expect(!key.isValidSignature(pss, for: message.flippingBit(1)), "PSS salt \(saltLength), changed message")
        }
        // Only SHA-256 is accepted for RSA.
        #expect(!key.isValidSignature(try cliSign(privatePEM: pair.privatePEM, message: message, digest: "sha512"), for: message))
        // PSS with MGF1-SHA-1 (the PKCS#1 default) is not MGF1-SHA-256.
        let mgf1SHA1 = try cliSign(
            privatePEM: pair.privatePEM, message: message, digest: "sha256",
            options: ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_mgf1_md:sha1", "-sigopt", "rsa_pss_saltlen:32"])
        #expect(!key.isValidSignature(mgf1SHA1, for: message))
    }

    // MARK: our signatures checked by the openssl CLI

    @Test(.enabled(if: OpenSSLCLI.isAvailable, "needs the openssl command-line tool at /usr/bin/openssl"), arguments: allAlgorithms)
    func theCLIVerifiesOurSignatures(algorithm: PublicKeyAlgorithm) throws {
        let key = try GeneratedKeys.key(algorithm)
        let publicPEM = key.publicKey.pemEncoded
        switch algorithm {
        case .ecdsaP256:
            #expect(try cliVerifies(publicPEM: publicPEM, signature: key.signature(for: message), message: message, digest: "sha256"))
        case .ecdsaP384:
            #expect(try cliVerifies(publicPEM: publicPEM, signature: key.signature(for: message), message: message, digest: "sha384"))
        case .ed25519:
            #expect(try cliVerifies(publicPEM: publicPEM, signature: key.signature(for: message), message: message, digest: nil))
        case .rsa:
            let pss = try key.signature(for: message, rsaPadding: .pss)
            // Our PSS salt is exactly 32 bytes: the CLI checks that when told the length.
            #expect(try cliVerifies(
                publicPEM: publicPEM, signature: pss, message: message, digest: "sha256",
                options: pssOptions + ["-sigopt", "rsa_pss_saltlen:32"]))
            #expect(try !cliVerifies(
                publicPEM: publicPEM, signature: pss, message: message, digest: "sha256",
                options: pssOptions + ["-sigopt", "rsa_pss_saltlen:20"]))
            let pkcs1 = try key.signature(for: message, rsaPadding: .pkcs1v15)
            #expect(try cliVerifies(publicPEM: publicPEM, signature: pkcs1, message: message, digest: "sha256"))
        }
        // And the CLI rejects a changed message, so the checks above mean something.
        #expect(try !cliVerifies(
            publicPEM: publicPEM, signature: key.signature(for: message, rsaPadding: .pkcs1v15), message: message + [0],
            digest: algorithm == .ed25519 ? nil : algorithm == .ecdsaP384 ? "sha384" : "sha256"))
    }
}
