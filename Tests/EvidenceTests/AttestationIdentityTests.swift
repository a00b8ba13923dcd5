import Crypto
import Evidence
import Foundation
import Testing

/// `VerifiedAttestation.id` depends on what was signed and by whom, not on how the envelope was spelled.
@Suite struct AttestationIdentityTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private func id(_ body: [UInt8], keys: [PrivateKey]) throws -> String {
        try Kit.expectVerified(try Kit.onlyEnvelope(body), keys: keys.map { Kit.trusted($0.publicKey) }).id
    }

    @Test func base64SpellingsWhitespaceAndMemberOrderGiveTheSameID() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let payload = Builder.statement()
        let entries = [try Builder.sign(payload, with: key, keyID: "ci")]
        let standard = Builder.json(payload: payload, signatures: entries)
        let urlSafe = Builder.json(payload: payload, signatures: entries, encode: Builder.urlSafeUnpadded)
        let reordered = Array(
            """
            {
              "signatures" : [ { "sig" : "\(Data(entries[0].signature).base64EncodedString())", "keyid" : "ci" } ],
              "payload" : "\(Builder.urlSafeUnpadded(payload))",
              "payloadType" : "application/vnd.in-toto+json"
            }
            """.utf8)
        let ids = try [standard, urlSafe, reordered].map { try id($0, keys: [key]) }
        #expect(Set(ids).count == 1)
        #expect(Set([standard, urlSafe, reordered]).count == 3)
    }

    @Test func signatureOrderAndAMissingVersusEmptyKeyIDDoNotChangeTheID() throws {
        let first = try PrivateKey.generate(.ecdsaP256)
        let second = try PrivateKey.generate(.ed25519)
        let payload = Builder.statement()
        let a = try Builder.sign(payload, with: first)
        var b = try Builder.sign(payload, with: second)
        let forward = Builder.json(payload: payload, signatures: [a, b])
        b.keyID = ""
        let backward = Builder.json(payload: payload, signatures: [b, a])
        #expect(try id(forward, keys: [first, second]) == (try id(backward, keys: [first, second])))
    }

    @Test func anotherPayloadOrSignatureGivesAnotherID() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let payload = Builder.statement()
        let other = Builder.statement(predicateType: "https://example.com/test/v2")
        let one = Builder.json(payload: payload, signatures: [try Builder.sign(payload, with: key)])
        // ECDSA signatures are randomised: signing again gives different signature bytes.
        let resigned = Builder.json(payload: payload, signatures: [try Builder.sign(payload, with: key)])
        let changed = Builder.json(payload: other, signatures: [try Builder.sign(other, with: key)])
        let ids = try [one, resigned, changed].map { try id($0, keys: [key]) }
        #expect(Set(ids).count == 3)
    }
}
