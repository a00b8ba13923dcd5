import Crypto
import Domain
import Evidence
import Foundation
import Testing

@Suite struct DSSESignerTests {
    private typealias Kit = AttestationTestKit

    private static func subjects() throws -> [Subject] {
        [
            Subject(name: "registry.example.com/team/app", digest: try Digest(sha256Hex: String(repeating: "ab", count: 32))),
            Subject(name: "_", digest: try Digest(sha256Hex: String(repeating: "0f", count: 32))),
        ]
    }

    private func signedEnvelope(key: PrivateKey, predicate: [String: JSONValue] = ["ok": .bool(true)]) throws -> DSSEEnvelope {
        let json = try DSSESigner.inTotoEnvelope(
            subjects: try Self.subjects(), predicateType: "https://example.com/test/v1", predicate: predicate, key: key)
        return try Kit.onlyEnvelope(json)
    }

    @Test(arguments: [PublicKeyAlgorithm.ecdsaP256, .ed25519])
    func anEnvelopeItMakesVerifiesWithTheTrustedKey(algorithm: PublicKeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let envelope = try signedEnvelope(key: key)
        #expect(envelope.payloadType == DSSE.inTotoPayloadType)
        #expect(envelope.signatures.map(\.keyID) == [key.publicKey.id])

        let attestation = try Kit.expectVerified(envelope, keys: [Kit.trusted(key.publicKey)])
        #expect(attestation.statementType == DSSESigner.statementType)
        #expect(attestation.predicateType == "https://example.com/test/v1")
        #expect(attestation.subjects == (try Self.subjects()))
        #expect(attestation.verifiedKeyIDs == [key.publicKey.id])
    }

    @Test func anEnvelopeItMakesIsRejectedByAnotherKey() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let other = try PrivateKey.generate(.ecdsaP256)
        let reasons = try Kit.expectRejected(try signedEnvelope(key: key), keys: [Kit.trusted(other.publicKey)])
        #expect(!reasons.isEmpty)
    }

    @Test func thePredicateKeepsSixtyFourBitIntegersExactly() throws {
        let predicate: [String: JSONValue] = [
            "max": .unsigned(UInt64.max), "min": .integer(Int64.min), "half": .double(2.5),
            "nested": .object(["list": .array([.null, .string("a/b"), .integer(1)])]),
        ]
        let envelope = try signedEnvelope(key: try PrivateKey.generate(.ed25519), predicate: predicate)
        let payload = String(decoding: envelope.payload, as: UTF8.self)
        #expect(payload.hasPrefix(#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"half":2.5,"max":18446744073709551615,"#))
        #expect(payload.contains(#""min":-9223372036854775808"#))

        let statement = try #require(JSONValue.decode(envelope.payload))
        guard case .object(let members) = statement, case .object(let decoded) = members["predicate"] else {
            Issue.record("the statement or its predicate is not an object: \(payload)")
            return
        }
        #expect(decoded == predicate)
    }
}
