import Crypto
import Domain
import Evidence
import Foundation
import Testing

/// Fixtures, keys and envelope builders shared by the DSSE / attestation suites (namespaced so they cannot clash
/// with other suites in this target).
enum AttestationTestKit {
    static let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dsse")

    /// The bytes of `Fixtures/dsse/<name>`.
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixturesDirectory.appendingPathComponent(name)))
    }

    /// The text of `Fixtures/dsse/<name>`.
    static func fixtureText(_ name: String) throws -> String {
        String(decoding: try fixture(name), as: UTF8.self)
    }

    /// A PEM SPKI fixture as a `PublicKey`.
    static func publicKey(_ name: String) throws -> PublicKey {
        try PublicKey(pemEncoded: try fixtureText(name))
    }

    /// The public key inside an X.509 certificate fixture (PEM): what an admin would register for a keyless signer.
    static func certificateKey(_ name: String) throws -> PublicKey {
        let spki = try #require(CertificateSPKI.extract(fromPEM: try fixtureText(name)), "no SubjectPublicKeyInfo in \(name)")
        return try PublicKey(derEncoded: spki)
    }

    /// A registration for `publicKey` with the given restrictions.
    static func trusted(
        _ publicKey: PublicKey, name: String = "test-key", predicateTypes: [String] = [], builderIDs: [String] = [],
        subjectPatterns: [String] = [], revoked: Bool = false
    ) -> TrustedVerificationKey {
        let (algorithm, bits): (KeyAlgorithm, Int) =
            switch publicKey.algorithm {
            case .ecdsaP256: (.ecdsaP256, 256)
            case .ecdsaP384: (.ecdsaP384, 384)
            case .ed25519: (.ed25519, 256)
            case .rsa(let bits): (.rsa, bits)
            }
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let key = TrustedKey(
            id: publicKey.id, name: name, algorithm: algorithm, bits: bits, publicKeyPEM: publicKey.pemEncoded,
            predicateTypes: predicateTypes, builderIDs: builderIDs, subjectPatterns: subjectPatterns, createdBy: "tests",
            createdAt: created, revokedAt: revoked ? created.addingTimeInterval(60) : nil)
        return TrustedVerificationKey(key: key, publicKey: publicKey)
    }

    /// The single envelope in `body`.
    static func onlyEnvelope(_ body: [UInt8]) throws -> DSSEEnvelope {
        let envelopes = try DSSE.parseEnvelopes(body)
        try #require(envelopes.count == 1)
        return envelopes[0]
    }

    /// Verifies `envelope` with `keys` and returns the attestation, failing the test (with the reasons) otherwise.
    static func expectVerified(
        _ envelope: DSSEEnvelope, keys: [TrustedVerificationKey], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> VerifiedAttestation {
        switch AttestationVerifier(keys: keys).verify(envelope) {
        case .verified(let attestation):
            return attestation
        case .rejected(let reasons):
            Issue.record("expected to verify, rejected: \(reasons)", sourceLocation: sourceLocation)
            throw AttestationTestFailure()
        }
    }

    /// The rejection reasons, failing the test if it verified.
    static func expectRejected(
        _ envelope: DSSEEnvelope, keys: [TrustedVerificationKey], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String] {
        switch AttestationVerifier(keys: keys).verify(envelope) {
        case .verified(let attestation):
            Issue.record("expected a rejection, verified \(attestation.predicateType)", sourceLocation: sourceLocation)
            throw AttestationTestFailure()
        case .rejected(let reasons):
            return reasons
        }
    }

    /// The decoded in-toto Statement of a fixture envelope (read independently of the code under test, with
    /// JSONSerialization and Foundation base64), for asserting summaries against the fixture's own values.
    static func statementJSON(ofEnvelopeJSON bytes: [UInt8]) throws -> [String: Any] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let envelope = (object["dsseEnvelope"] as? [String: Any]) ?? object
        let payload = try #require(envelope["payload"] as? String)
        let decoded = try #require(Data(base64Encoded: payload))
        return try #require(try JSONSerialization.jsonObject(with: decoded) as? [String: Any])
    }
}

/// Thrown after an `Issue` was recorded, to stop the test.
struct AttestationTestFailure: Error {}

/// Builds DSSE envelopes from in-test Statements and keys.
struct AttestationEnvelopeBuilder {
    static let digestA = String(repeating: "ab", count: 32)
    static let digestB = String(repeating: "0f", count: 32)

    /// A Statement v1 JSON text.
    static func statement(
        type: String = "https://in-toto.io/Statement/v1",
        subjects: [(name: String, digest: [String: String])] = [
            ("registry.example.com/team/app", ["sha256": digestA])
        ], predicateType: String = "https://example.com/test/v1", predicate: String = #"{"ok":true}"#
    ) -> [UInt8] {
        let subjectJSON = subjects.map { subject in
            let digest = subject.digest.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
            return "{\"name\":\"\(subject.name)\",\"digest\":{\(digest)}}"
        }.joined(separator: ",")
        return Array(
            "{\"_type\":\"\(type)\",\"subject\":[\(subjectJSON)],\"predicateType\":\"\(predicateType)\",\"predicate\":\(predicate)}".utf8)
    }

    /// A signature entry: keyid hint and signature bytes.
    struct Entry {
        var keyID: String?
        var signature: [UInt8]
    }

    /// Signs `payload` (PAE) with `key`.
    static func sign(_ payload: [UInt8], with key: PrivateKey, payloadType: String = DSSE.inTotoPayloadType, keyID: String? = nil) throws -> Entry {
        Entry(keyID: keyID, signature: try key.signature(for: DSSE.pae(payloadType: payloadType, payload: payload)))
    }

    /// The envelope JSON text; `encode` chooses the base64 spelling of payload and signatures.
    static func json(
        payloadType: String = DSSE.inTotoPayloadType, payload: [UInt8], signatures: [Entry],
        encode: ([UInt8]) -> String = { Data($0).base64EncodedString() }
    ) -> [UInt8] {
        let entries = signatures.map { entry in
            let hint = entry.keyID.map { "\"keyid\":\"\($0)\"," } ?? ""
            return "{\(hint)\"sig\":\"\(encode(entry.signature))\"}"
        }.joined(separator: ",")
        return Array("{\"payloadType\":\"\(payloadType)\",\"payload\":\"\(encode(payload))\",\"signatures\":[\(entries)]}".utf8)
    }

    /// Signs `payload` with `key` and parses the resulting envelope through `DSSE.parseEnvelopes`.
    static func envelope(_ payload: [UInt8], signedBy keys: [PrivateKey], keyIDs: [String?]? = nil) throws -> DSSEEnvelope {
        let entries = try keys.enumerated().map { index, key in try sign(payload, with: key, keyID: keyIDs?[index]) }
        return try AttestationTestKit.onlyEnvelope(json(payload: payload, signatures: entries))
    }

    /// URL-safe base64 without padding.
    static func urlSafeUnpadded(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Takes the SubjectPublicKeyInfo out of an X.509 certificate with a minimal DER walk (RFC 5280 §4.1:
/// Certificate → tbsCertificate → [0] version?, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo).
enum CertificateSPKI {
    static func extract(fromPEM pem: String) -> [UInt8]? {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body).map(Array.init) else { return nil }
        guard let certificate = element(der, at: 0), certificate.tag == 0x30,
            let tbs = element(der, at: certificate.contentStart), tbs.tag == 0x30
        else { return nil }
        var offset = tbs.contentStart
        guard let first = element(der, at: offset) else { return nil }
        if first.tag == 0xA0 { offset = first.end }
        for _ in 0..<5 {  // serialNumber, signature, issuer, validity, subject
            guard let skipped = element(der, at: offset) else { return nil }
            offset = skipped.end
        }
        guard let spki = element(der, at: offset), spki.tag == 0x30 else { return nil }
        return Array(der[offset..<spki.end])
    }

    /// One DER TLV at `offset`: tag, where its content starts, and where it ends.
    private static func element(_ der: [UInt8], at offset: Int) -> (tag: UInt8, contentStart: Int, end: Int)? {
        guard offset + 2 <= der.count else { return nil }
        let tag = der[offset]
        var length = Int(der[offset + 1])
        var contentStart = offset + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 3, contentStart + count <= der.count else { return nil }
            length = der[contentStart..<contentStart + count].reduce(0) { $0 << 8 | Int($1) }
            contentStart += count
        }
        guard contentStart + length <= der.count else { return nil }
        return (tag, contentStart, contentStart + length)
    }
}
