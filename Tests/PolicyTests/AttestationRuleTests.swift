import Domain
import Policy
import Testing

@Suite struct AttestationRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rule: AttestationRule
        var attestations: [AttestationRecord]
        var activeKeys: [String: String] = Fixture.activeKeys
        var passed: Bool
        var message: String
        var testDescription: String { name }
    }

    static let v1 = AttestationRule(predicateTypes: [Fixture.provenanceV1])
    static let either = AttestationRule(predicateTypes: [Fixture.provenanceV1, Fixture.provenanceV02])
    static let twoSigners = AttestationRule(predicateTypes: [Fixture.provenanceV1], minSigners: 2)
    static let missing =
        "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations; found 0: post a signed provenance attestation"

    static let cases: [Case] = [
        Case(
            name: "signed by an active trusted key", rule: v1, attestations: [Fixture.attestation()], passed: true,
            message: "https://slsa.dev/provenance/v1 attestation signed by ci-signer (1 of 1 needed)"),
        Case(name: "no attestation at all", rule: v1, attestations: [], passed: false, message: missing),
        Case(
            name: "v0.2 satisfies a rule listing both versions", rule: either, attestations: [Fixture.attestation(type: Fixture.provenanceV02)],
            passed: true,
            message: "https://slsa.dev/provenance/v1 or https://slsa.dev/provenance/v0.2 attestation signed by ci-signer (1 of 1 needed)"),
        Case(
            name: "another predicate type does not count", rule: v1, attestations: [Fixture.attestation(type: "https://spdx.dev/Document")],
            passed: false, message: missing),
        Case(
            name: "a revoked key does not count", rule: v1, attestations: [Fixture.attestation(keys: [Fixture.revokedSigner])], passed: false,
            message:
                "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations; found 0 (revoked or unknown keys do not count: old-ci): post a signed provenance attestation"
        ),
        Case(
            name: "a key revoked after ingest (absent from active keys) does not count", rule: v1, attestations: [Fixture.attestation()],
            activeKeys: ["2222": "release"], passed: false,
            message:
                "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations; found 0 (revoked or unknown keys do not count: ci-signer): post a signed provenance attestation"
        ),
        Case(
            name: "two signers needed, one key on two attestations", rule: twoSigners,
            attestations: [Fixture.attestation(id: "a1"), Fixture.attestation(id: "a2")], passed: false,
            message:
                "needs 2 signatures by distinct trusted keys on https://slsa.dev/provenance/v1 attestations; found 1: have 1 more trusted key sign it"
        ),
        Case(
            name: "two signers needed, a revoked second key", rule: twoSigners,
            attestations: [Fixture.attestation(keys: [Fixture.ciSigner, Fixture.revokedSigner])], passed: false,
            message:
                "needs 2 signatures by distinct trusted keys on https://slsa.dev/provenance/v1 attestations; found 1 (revoked or unknown keys do not count: old-ci): have 1 more trusted key sign it"
        ),
        Case(
            name: "two signers on separate attestations", rule: twoSigners,
            attestations: [Fixture.attestation(id: "a1"), Fixture.attestation(id: "a2", keys: [Fixture.releaseSigner])], passed: true,
            message: "https://slsa.dev/provenance/v1 attestation signed by ci-signer, release (2 of 2 needed)"),
        Case(
            name: "named keys: another trusted key does not count", rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], keys: ["release"]),
            attestations: [Fixture.attestation()], passed: false,
            message:
                "needs 1 signature by a trusted key named release on https://slsa.dev/provenance/v1 attestations; found 0 (keys not named by the policy do not count: ci-signer): post a signed provenance attestation"
        ),
        Case(
            name: "named keys match by id", rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], keys: ["1111"]),
            attestations: [Fixture.attestation()], passed: true,
            message: "https://slsa.dev/provenance/v1 attestation signed by ci-signer (1 of 1 needed)"),
        Case(
            name: "builder glob matches",
            rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], builderIDs: ["https://github.com/slsa-framework/**"]),
            attestations: [Fixture.attestation()], passed: true,
            message: "https://slsa.dev/provenance/v1 attestation signed by ci-signer (1 of 1 needed)"),
        Case(
            name: "builder glob with a single star does not cross '/'",
            rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], builderIDs: ["https://github.com/slsa-framework/*"]),
            attestations: [Fixture.attestation()], passed: false,
            message:
                "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations from builder https://github.com/slsa-framework/*; found 0 (1 attestation of that type did not match the builder or source patterns): post a signed provenance attestation"
        ),
        Case(
            name: "source glob mismatch",
            rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], sourceRepositories: ["https://github.com/other/*"]),
            attestations: [Fixture.attestation()], passed: false,
            message:
                "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations of source https://github.com/other/*; found 0 (1 attestation of that type did not match the builder or source patterns): post a signed provenance attestation"
        ),
        Case(
            name: "source glob match",
            rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], sourceRepositories: ["https://github.com/acme/*"]),
            attestations: [Fixture.attestation()], passed: true,
            message: "https://slsa.dev/provenance/v1 attestation signed by ci-signer (1 of 1 needed)"),
        Case(
            name: "a record without provenance never matches a builder pattern",
            rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], builderIDs: ["**"]),
            attestations: [Fixture.attestation(builder: nil)], passed: false,
            message:
                "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations from builder **; found 0 (1 attestation of that type did not match the builder or source patterns): post a signed provenance attestation"
        ),
        Case(
            name: "a source pattern needs a source repository",
            rule: AttestationRule(predicateTypes: [Fixture.provenanceV1], sourceRepositories: ["**"]),
            attestations: [Fixture.attestation(source: nil)], passed: false,
            message:
                "needs 1 signature by a trusted key on https://slsa.dev/provenance/v1 attestations of source **; found 0 (1 attestation of that type did not match the builder or source patterns): post a signed provenance attestation"
        ),
        Case(
            name: "other predicate types get a generic hint", rule: AttestationRule(predicateTypes: ["https://example.com/test-result/v1"]),
            attestations: [], passed: false,
            message:
                "needs 1 signature by a trusted key on https://example.com/test-result/v1 attestations; found 0: post an attestation of that type signed by a trusted key"
        ),
    ]

    @Test(arguments: cases)
    func judgesSignaturesByDistinctActiveTrustedKeys(_ testCase: Case) {
        let policy = EnvironmentPolicy(attestations: [testCase.rule])
        let decision = PolicyEvaluator.evaluate(
            Fixture.input(policy, evidence: Fixture.evidence(attestations: testCase.attestations), activeKeys: testCase.activeKeys))
        #expect(decision.reasons == [DecisionReason(rule: "attestations", passed: testCase.passed, message: testCase.message)])
        #expect(decision.cleared == testCase.passed)
    }

    @Test func eachAttestationRuleYieldsItsOwnReason() {
        let policy = EnvironmentPolicy(attestations: [Self.v1, AttestationRule(predicateTypes: ["https://spdx.dev/Document"])])
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: Fixture.evidence(attestations: [Fixture.attestation()])))
        #expect(decision.reasons.map(\.passed) == [true, false])
        #expect(!decision.cleared)
    }

    @Test func aRuleWithoutPredicateTypesNeverPasses() {
        let policy = EnvironmentPolicy(attestations: [AttestationRule(predicateTypes: [])])
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: Fixture.evidence(attestations: [Fixture.attestation()])))
        #expect(!decision.cleared)
        #expect(decision.reasons.map(\.passed) == [false])
    }
}
