import Crypto
import Domain
import Evidence
import Foundation
import Testing

/// Envelopes signed in the test with fresh keys, then tampered with in every way that must break verification.
@Suite struct AttestationVerifierTamperingTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private static let algorithms: [PublicKeyAlgorithm] = [.ecdsaP256, .ed25519]

    @Test(arguments: algorithms)
    func verifiesAStatementSignedWithAFreshKey(algorithm: PublicKeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let payload = Builder.statement()
        let body = Builder.json(payload: payload, signatures: [try Builder.sign(payload, with: key)])
        let envelope = try Kit.onlyEnvelope(body)
        let attestation = try Kit.expectVerified(envelope, keys: [Kit.trusted(key.publicKey)])
        #expect(attestation.payloadType == DSSE.inTotoPayloadType)
        #expect(attestation.statementType == "https://in-toto.io/Statement/v1")
        #expect(attestation.predicateType == "https://example.com/test/v1")
        #expect(attestation.subjects == [Subject(name: "registry.example.com/team/app", digest: try Digest(sha256Hex: Builder.digestA))])
        #expect(attestation.verifiedKeyIDs == [key.publicKey.id])
        #expect(attestation.predicate == .opaque)
        #expect(attestation.envelope == body)
        #expect(attestation.id.utf8.count == 64 && attestation.id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test(arguments: algorithms)
    func anEditedPayloadIsRejected(algorithm: PublicKeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let signed = Builder.statement()
        let edited = Builder.statement(subjects: [("registry.example.com/team/app", ["sha256": Builder.digestB])])
        #expect(signed.count == edited.count)
        let body = Builder.json(payload: edited, signatures: [try Builder.sign(signed, with: key)])
        let reasons = try Kit.expectRejected(try Kit.onlyEnvelope(body), keys: [Kit.trusted(key.publicKey)])
        #expect(reasons == ["signature 1: no active trusted key verifies it"])
    }

    @Test(arguments: algorithms)
    func aFlippedSignatureBitIsRejected(algorithm: PublicKeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let payload = Builder.statement()
        let good = try Builder.sign(payload, with: key)
        for position in [0, good.signature.count / 2, good.signature.count - 1] {
            var flipped = good
            flipped.signature[position] ^= 0x01
            let body = Builder.json(payload: payload, signatures: [flipped])
            let reasons = try Kit.expectRejected(try Kit.onlyEnvelope(body), keys: [Kit.trusted(key.publicKey)])
            #expect(reasons == ["signature 1: no active trusted key verifies it"], "bit flipped at byte \(position)")
        }
    }

    @Test func aSignatureOverTheRawPayloadInsteadOfThePAEIsRejected() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let payload = Builder.statement()
        let body = Builder.json(payload: payload, signatures: [.init(keyID: nil, signature: try key.signature(for: payload))])
        #expect(try Kit.expectRejected(try Kit.onlyEnvelope(body), keys: [Kit.trusted(key.publicKey)]).count == 1)
    }

    @Test(arguments: algorithms)
    func aSignatureByAnotherKeyIsRejected(algorithm: PublicKeyAlgorithm) throws {
        let signer = try PrivateKey.generate(algorithm)
        let trusted = try PrivateKey.generate(algorithm)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [signer])
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(trusted.publicKey)])
        #expect(reasons == ["signature 1: no active trusted key verifies it"])
    }

    @Test func anotherPayloadTypeIsRejectedBeforeAnySignatureIsChecked() throws {
        let key = try PrivateKey.generate(.ed25519)
        let payload = Builder.statement()
        let entry = try Builder.sign(payload, with: key, payloadType: "application/json")
        let body = Builder.json(payloadType: "application/json", payload: payload, signatures: [entry])
        let reasons = try Kit.expectRejected(try Kit.onlyEnvelope(body), keys: [Kit.trusted(key.publicKey)])
        #expect(reasons == ["payloadType 'application/json' is not supported: expected application/vnd.in-toto+json"])
        // Relabelling the same signature as in-toto breaks it: the payload type is part of what was signed.
        let relabelled = Builder.json(payload: payload, signatures: [entry])
        #expect(try Kit.expectRejected(try Kit.onlyEnvelope(relabelled), keys: [Kit.trusted(key.publicKey)]).count == 1)
    }

    @Test func aKeyIDHintNamingAnotherTrustedKeyDoesNotStopTheRightKeyFromVerifying() throws {
        let signer = try PrivateKey.generate(.ecdsaP256)
        let other = try PrivateKey.generate(.ed25519)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [signer], keyIDs: [other.publicKey.id])
        let attestation = try Kit.expectVerified(envelope, keys: [Kit.trusted(other.publicKey), Kit.trusted(signer.publicKey)])
        #expect(attestation.verifiedKeyIDs == [signer.publicKey.id])
    }

    @Test func aKeyIDHintNamingATrustedKeyDoesNotMakeAnUntrustedSignerVerify() throws {
        let signer = try PrivateKey.generate(.ecdsaP256)
        let trusted = try PrivateKey.generate(.ecdsaP256)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [signer], keyIDs: [trusted.publicKey.id])
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(trusted.publicKey)])
        #expect(reasons == ["signature 1 (keyid hint '\(trusted.publicKey.id)'): no active trusted key verifies it"])
    }

    @Test func aRevokedKeyIsIgnored() throws {
        let signer = try PrivateKey.generate(.ed25519)
        let active = try PrivateKey.generate(.ed25519)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [signer])
        let onlyRevoked = try Kit.expectRejected(envelope, keys: [Kit.trusted(signer.publicKey, revoked: true)])
        #expect(onlyRevoked == ["signature 1: no active trusted key verifies it", "no active trusted key is registered"])
        let withActive = try Kit.expectRejected(envelope, keys: [Kit.trusted(signer.publicKey, revoked: true), Kit.trusted(active.publicKey)])
        #expect(withActive == ["signature 1: no active trusted key verifies it"])
    }

    @Test func aRegistrationPairedWithAnotherKeysPublicKeyIsIgnored() throws {
        let signer = try PrivateKey.generate(.ecdsaP256)
        let registered = Kit.trusted(try PrivateKey.generate(.ecdsaP256).publicKey, name: "other")
        let mispaired = TrustedVerificationKey(key: registered.key, publicKey: signer.publicKey)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [signer])
        #expect(try Kit.expectRejected(envelope, keys: [mispaired]).first == "signature 1: no active trusted key verifies it")
    }

    @Test func countsDistinctSignersAndIgnoresFailingExtraSignatures() throws {
        let first = try PrivateKey.generate(.ecdsaP256)
        let second = try PrivateKey.generate(.ed25519)
        let stranger = try PrivateKey.generate(.ecdsaP256)
        let payload = Builder.statement()
        let entries = [
            try Builder.sign(payload, with: second), try Builder.sign(payload, with: stranger, keyID: "ci"),
            try Builder.sign(payload, with: first), try Builder.sign(payload, with: first),
        ]
        let envelope = try Kit.onlyEnvelope(Builder.json(payload: payload, signatures: entries))
        let attestation = try Kit.expectVerified(
            envelope, keys: [Kit.trusted(first.publicKey), Kit.trusted(second.publicKey), Kit.trusted(first.publicKey)])
        #expect(attestation.verifiedKeyIDs == [first.publicKey.id, second.publicKey.id].sorted())
    }

    @Test func anEnvelopeWithoutSignaturesIsRejected() throws {
        let envelope = DSSEEnvelope(
            payloadType: DSSE.inTotoPayloadType, payload: Builder.statement(), signatures: [], raw: [], carriesCertificate: false)
        #expect(
            try Kit.expectRejected(envelope, keys: [Kit.trusted(try PrivateKey.generate(.ed25519).publicKey)]) == ["the envelope has no signatures"])
    }

    @Test func theStatementIsReadOnlyAfterASignatureVerifies() throws {
        // Garbage payload, untrusted signer: the reason is about the signature, never about the payload.
        let key = try PrivateKey.generate(.ecdsaP256)
        let envelope = try Builder.envelope(Array("not json".utf8), signedBy: [key])
        let untrusted = try Kit.expectRejected(envelope, keys: [Kit.trusted(try PrivateKey.generate(.ecdsaP256).publicKey)])
        #expect(untrusted == ["signature 1: no active trusted key verifies it"])
        let trusted = try Kit.expectRejected(envelope, keys: [Kit.trusted(key.publicKey)])
        #expect(trusted == ["the payload is not valid JSON, so it is not an in-toto Statement"])
    }

    @Test func jsonLinesOfThreeEnvelopesVerifyOneByOne() throws {
        let keys = try [PrivateKey.generate(.ecdsaP256), PrivateKey.generate(.ed25519), PrivateKey.generate(.ecdsaP256)]
        let lines = try keys.enumerated().map { index, key in
            let payload = Builder.statement(subjects: [("registry.example.com/app\(index)", ["sha256": Builder.digestA])])
            return Builder.json(payload: payload, signatures: [try Builder.sign(payload, with: key)])
        }
        let envelopes = try DSSE.parseEnvelopes(Array(lines.joined(separator: [0x0A])))
        let verifier = AttestationVerifier(keys: keys.map { Kit.trusted($0.publicKey) })
        for (index, envelope) in envelopes.enumerated() {
            guard case .verified(let attestation) = verifier.verify(envelope) else {
                Issue.record("line \(index + 1) did not verify")
                continue
            }
            #expect(attestation.subjects.map(\.name) == ["registry.example.com/app\(index)"])
            #expect(attestation.verifiedKeyIDs == [keys[index].publicKey.id])
            #expect(attestation.envelope == lines[index])
        }
    }
}
