#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain
import Policy
import Testing

/// Adding a signature or an approval can only turn failures into passes, never the reverse.
@Suite struct MonotonicityTests {
    /// SplitMix64: small, seeded, the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let keyPool = [
        Fixture.ciSigner, Fixture.releaseSigner, Fixture.revokedSigner, KeyReference(id: "4444", name: "gone", active: true),
    ]
    static let users = ["alice", "bob", "carol", "ci", "scanbot"]
    static let types = [Fixture.provenanceV1, Fixture.provenanceV02, "https://spdx.dev/Document"]

    static func randomPolicy(_ random: inout SeededGenerator) -> EnvironmentPolicy {
        var policy = EnvironmentPolicy(mode: .enforce, validForHours: Bool.random(using: &random) ? Int.random(in: 1...48, using: &random) : nil)
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            policy.attestations.append(
                AttestationRule(
                    predicateTypes: Array(types.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))),
                    minSigners: Int.random(in: 1...2, using: &random), keys: Bool.random(using: &random) ? ["ci-signer", "2222"] : nil,
                    builderIDs: Bool.random(using: &random) ? ["https://github.com/slsa-framework/**"] : nil))
        }
        if Bool.random(using: &random) {
            policy.approvals = ApprovalRule(
                count: Int.random(in: 1...2, using: &random), role: Bool.random(using: &random) ? .approver : .admin,
                distinctFromPosters: Bool.random(using: &random))
        }
        if policy.attestations.isEmpty && policy.approvals == nil { policy.approvals = ApprovalRule() }
        return policy
    }

    static func randomAttestation(_ random: inout SeededGenerator, index: Int) -> AttestationRecord {
        Fixture.attestation(
            id: "att-\(index)", type: types.randomElement(using: &random) ?? Fixture.provenanceV1,
            keys: keyPool.filter { _ in Bool.random(using: &random) },
            builder: Bool.random(using: &random) ? Fixture.builder : (Bool.random(using: &random) ? "https://evil.example/builder" : nil),
            postedBy: ["ci", "scanbot"].randomElement(using: &random) ?? "ci")
    }

    static func randomApproval(_ random: inout SeededGenerator, verdicts: [Approval.Verdict], roles: [Role] = Role.allCases) -> Approval {
        Fixture.approval(
            users.randomElement(using: &random) ?? "alice", verdicts.randomElement(using: &random) ?? .approve,
            role: roles.randomElement(using: &random) ?? .approver, at: Fixture.hoursAgo(Double(Int.random(in: 0...72, using: &random))),
            id: "ap-\(random.next())")
    }

    @Test func addingASignatureOrAnApprovalNeverTurnsAPassIntoAFail() {
        var random = SeededGenerator(state: 0x5EED_0004)
        var improvements = 0
        for iteration in 0..<400 {
            let policy = Self.randomPolicy(&random)
            let attestations = (0..<Int.random(in: 0...3, using: &random)).map { Self.randomAttestation(&random, index: $0) }
            let approvals = (0..<Int.random(in: 0...4, using: &random)).map { _ in
                Self.randomApproval(&random, verdicts: [.approve, .approve, .approve, .reject])
            }
            let before = Fixture.input(policy, evidence: Fixture.evidence(attestations: attestations), approvals: approvals)

            var after = before
            if Bool.random(using: &random), var evidence = after.evidence, !evidence.attestations.isEmpty {
                // A signature: another key on an existing attestation, or a new attestation by someone who already posted.
                if Bool.random(using: &random) {
                    let index = Int.random(in: 0..<evidence.attestations.count, using: &random)
                    evidence.attestations[index].keys.append(Self.keyPool.randomElement(using: &random) ?? Fixture.ciSigner)
                } else {
                    var extra = Self.randomAttestation(&random, index: 99)
                    extra.postedBy = evidence.attestations[0].postedBy
                    evidence.attestations.append(extra)
                }
                after.evidence = evidence
            } else {
                // Mostly entitled roles, so that additions often matter; a viewer now and then.
                after.approvals.append(Self.randomApproval(&random, verdicts: [.approve], roles: [.approver, .admin, .approver, .viewer]))
            }

            let old = PolicyEvaluator.evaluate(before)
            let new = PolicyEvaluator.evaluate(after)
            #expect(old.reasons.count == new.reasons.count, "iteration \(iteration)")
            for (oldReason, newReason) in zip(old.reasons, new.reasons) where oldReason.passed {
                #expect(newReason.passed, "iteration \(iteration): \(oldReason.message) became \(newReason.message)")
            }
            #expect(!old.cleared || new.cleared, "iteration \(iteration)")
            if zip(old.reasons, new.reasons).contains(where: { !$0.passed && $1.passed }) { improvements += 1 }
        }
        // The generator must exercise real changes, not only no-ops.
        #expect(improvements > 20)
    }
}
