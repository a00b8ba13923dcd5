import Crypto
import Domain
import Evidence
import Testing

/// How a verified payload is read as an in-toto Statement (through `AttestationVerifier`, the only way in).
@Suite struct InTotoStatementTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private func verdict(_ payload: String) throws -> AttestationVerdict {
        let key = try PrivateKey.generate(.ed25519)
        return AttestationVerifier(keys: [Kit.trusted(key.publicKey)]).verify(try Builder.envelope(Array(payload.utf8), signedBy: [key]))
    }

    private func rejection(_ payload: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard case .rejected(let reasons) = try verdict(payload) else {
            Issue.record("expected a rejection", sourceLocation: sourceLocation)
            return ""
        }
        #expect(reasons.count == 1, sourceLocation: sourceLocation)
        return reasons.first ?? ""
    }

    private func attestation(_ payload: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> VerifiedAttestation? {
        switch try verdict(payload) {
        case .verified(let attestation): return attestation
        case .rejected(let reasons):
            Issue.record("expected to verify: \(reasons)", sourceLocation: sourceLocation)
            return nil
        }
    }

    private let digest = AttestationEnvelopeBuilder.digestA

    @Test func acceptsStatementV01AsCosignEmitsIt() throws {
        let statement = try attestation(
            #"{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2","subject":[{"name":"ghcr.io/org/app","digest":{"sha256":"\#(digest)"}}],"predicate":{"builder":{"id":"https://example.com/b"}}}"#
        )
        #expect(statement?.statementType == "https://in-toto.io/Statement/v0.1")
    }

    @Test func foldsUpperCaseHexAndIgnoresOtherAlgorithms() throws {
        let statement = try attestation(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha512":"00","sha256":"\#(digest.uppercased())"}},{"name":"b","digest":{"sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}],"predicateType":"x"}"#
        )
        #expect(statement?.subjects == [Subject(name: "a", digest: try Digest(sha256Hex: digest))])
        #expect(statement?.subjects.first?.digest.rawValue == "sha256:" + digest)
        #expect(statement?.predicate == .opaque)  // no predicate at all is allowed by the v1 spec
    }

    @Test func dropsDuplicateSubjectsAndKeepsTheirOrder() throws {
        let b = AttestationEnvelopeBuilder.digestB
        let statement = try attestation(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"b","digest":{"sha256":"\#(b)"}},{"name":"a","digest":{"sha256":"\#(digest)"}},{"name":"b","digest":{"sha256":"\#(b)"}}],"predicateType":"x","predicate":{}}"#
        )
        #expect(statement?.subjects.map(\.name) == ["b", "a"])
    }

    @Test func refusesSubjectsWithoutASHA256Digest() throws {
        let reason = try rejection(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha512":"abcd","md5":"00"}}],"predicateType":"x","predicate":{}}"#
        )
        #expect(reason == "no subject has a sha256 digest (digest algorithms present: 'md5', 'sha512'); only sha256 subjects can be attested")
    }

    @Test(arguments: [
        "sha256:" + String(repeating: "ab", count: 32), String(repeating: "ab", count: 31) + "a", String(repeating: "zz", count: 32),
        String(repeating: "ab", count: 33),
    ])
    func refusesMalformedSHA256Digests(value: String) throws {
        let reason = try rejection(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"\#(value)"}}],"predicateType":"x","predicate":{}}"#
        )
        #expect(reason == "subject[0].digest.sha256 must be 64 hexadecimal characters without a prefix")
    }

    @Test(arguments: [
        (#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"x"}"#, "the Statement has no subject array"),
        (#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x"}"#, "the Statement's subject array is empty"),
        (#"{"_type":"https://in-toto.io/Statement/v1","subject":{},"predicateType":"x"}"#, "subject must be an array, not an object"),
        (#"{"_type":"https://in-toto.io/Statement/v1","subject":["a"],"predicateType":"x"}"#, "subject[0] must be an object, not a string"),
        (#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"x"}"#, "subject[0].digest is missing"),
        (
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":7,"digest":{}}],"predicateType":"x"}"#,
            "subject[0].name must be a string, not a number"
        ),
        (
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":1}}],"predicateType":"x"}"#,
            "subject[0].digest.sha256 must be a string, not a number"
        ),
        (#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"DIGEST"}}]}"#, "predicateType is missing"),
        (
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"DIGEST"}}],"predicateType":"x","predicate":[]}"#,
            "predicate must be an object, not an array"
        ),
        (#"{"_type":5}"#, "_type must be a string, not a number"),
        (
            #"{"_type":"https://in-toto.io/Statement/v2"}"#,
            "_type 'https://in-toto.io/Statement/v2' is not an in-toto Statement type (expected https://in-toto.io/Statement/v1 or https://in-toto.io/Statement/v0.1)"
        ),
        (
            #"{"subject":[]}"#,
            "the payload has no '_type', so it is not an in-toto Statement (expected https://in-toto.io/Statement/v1 or https://in-toto.io/Statement/v0.1)"
        ),
        (#"[1]"#, "the payload is an array, not an in-toto Statement object"),
        (#"{"_type":"https://in-toto.io/Statement/v1","#, "the payload is not valid JSON, so it is not an in-toto Statement"),
    ])
    func refusesStatementsOfTheWrongShapeWithTheFieldNamed(payload: String, reason: String) throws {
        #expect(try rejection(payload.replacingOccurrences(of: "DIGEST", with: digest)) == reason)
    }

    @Test func refusesAPayloadNestedTooDeeply() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let reason = try rejection(#"{"_type":"https://in-toto.io/Statement/v1","predicate":\#(deep)}"#)
        #expect(reason.hasPrefix("the payload is not an in-toto Statement: JSON nested deeper than"))
    }

    @Test func refusesMoreThanAThousandSubjects() throws {
        let subject = #"{"name":"a","digest":{"sha256":"\#(digest)"}}"#
        let many = Array(repeating: subject, count: 1_001).joined(separator: ",")
        let reason = try rejection(#"{"_type":"https://in-toto.io/Statement/v1","subject":[\#(many)],"predicateType":"x"}"#)
        #expect(reason == "the Statement has 1001 subjects; at most 1000 are accepted")
    }
}
