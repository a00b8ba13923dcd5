#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain
import Policy
import Testing

@Suite struct PolicyEvaluatorTests {
    static let production = PolicyParser.defaults()["production"] ?? EnvironmentPolicy()
    static let staging = PolicyParser.defaults()["staging"] ?? EnvironmentPolicy()

    /// Evidence that satisfies the default production policy when alice approves and staging cleared it.
    static let goodEvidence = Fixture.evidence(
        attestations: [Fixture.attestation()], scans: [Fixture.scan(scannedAt: Fixture.hoursAgo(8))], configs: [Fixture.config()])

    @Test func nothingKnownIsOneFailedEvidenceReason() {
        let decision = PolicyEvaluator.evaluate(Fixture.input(Self.production, evidence: nil, breakGlass: Fixture.breakGlass()))
        #expect(
            decision
                == Decision(
                    digest: Fixture.digest, environment: "production", cleared: false, mode: .enforce, policyVersion: 7, decidedAt: Fixture.now,
                    validUntil: nil,
                    reasons: [
                        DecisionReason(
                            rule: "evidence", passed: false,
                            message:
                                "nothing is known about sha256:\(String(repeating: "a", count: 64)): post an attestation, scan, SBOM or config first")
                    ], breakGlass: false))
    }

    @Test func evidenceAboutAnotherDigestCountsAsNothingKnown() {
        let decision = PolicyEvaluator.evaluate(Fixture.input(Self.staging, evidence: Fixture.evidence(digest: Fixture.otherDigest)))
        #expect(!decision.cleared)
        #expect(decision.reasons.map(\.rule) == ["evidence"])
    }

    @Test(arguments: [PolicyMode.enforce, .dryRun])
    func anEmptyPolicyClearsNothing(mode: PolicyMode) {
        let decision = PolicyEvaluator.evaluate(Fixture.input(EnvironmentPolicy(mode: mode), evidence: Self.goodEvidence))
        #expect(!decision.cleared)
        #expect(
            decision.reasons == [
                DecisionReason(rule: "policy", passed: false, message: "the production policy has no rules; an empty policy clears nothing")
            ])
    }

    @Test func theDefaultProductionPolicyClearsGoodEvidenceWithApprovalAndPromotion() {
        let input = Fixture.input(
            Self.production, evidence: Self.goodEvidence, approvals: [Fixture.approval("alice")], clearedIn: ["staging": true])
        let decision = PolicyEvaluator.evaluate(input)
        #expect(decision.cleared)
        #expect(decision.reasons.map(\.rule) == ["attestations", "vulnerabilities", "imageConfig", "approvals", "promotion"])
        #expect(decision.reasons.allSatisfy { $0.passed })
        #expect(!decision.breakGlass)
        #expect(decision.mode == .enforce)
        #expect(decision.policyVersion == 7)
        #expect(decision.decidedAt == Fixture.now)
        // The scan (8 h old, max 168 h) ages out first; approvals never do without validForHours.
        #expect(decision.validUntil == Fixture.hoursAhead(160))
        #expect(PolicyEvaluator.evaluate(input) == decision)
    }

    @Test func theDefaultStagingPolicyNeedsOnlySignedProvenanceAndNoCritical() {
        let decision = PolicyEvaluator.evaluate(Fixture.input(Self.staging, evidence: Self.goodEvidence, environment: "staging"))
        #expect(decision.cleared)
        #expect(decision.validUntil == nil)
        let unsigned = Fixture.evidence(scans: [Fixture.scan()])
        #expect(!PolicyEvaluator.evaluate(Fixture.input(Self.staging, evidence: unsigned, environment: "staging")).cleared)
    }

    @Test func dryRunClearsButStillReportsWhatWouldHaveFailed() {
        var policy = Self.staging
        policy.mode = .dryRun
        let evidence = Fixture.evidence(scans: [Fixture.scan(counts: [.critical: 1])])
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: evidence, environment: "staging", breakGlass: Fixture.breakGlass()))
        #expect(decision.cleared)
        #expect(decision.mode == .dryRun)
        #expect(!decision.breakGlass)
        #expect(decision.reasons.map(\.passed) == [false, false])
        #expect(decision.reasons.allSatisfy { $0.message.hasSuffix(" (dry run)") })
        #expect(
            decision.reasons[1].message == "trivy scan: CRITICAL 1 (max 0): fix or waive the findings over the limit (dry run)")
    }

    /// A dry run clears whatever failed, so an instant already past (a scan that aged out) bounds nothing: its validity
    /// never lies in the past, which would also make every cached copy of it stale the moment it is stored.
    @Test func aDryRunAnswerIsNeverValidOnlyUntilThePast() {
        var policy = Self.production
        policy.mode = .dryRun
        let evidence = Fixture.evidence(scans: [Fixture.scan(scannedAt: Fixture.hoursAgo(200))])
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: evidence))
        #expect(decision.cleared)
        #expect(decision.reasons.contains { !$0.passed })
        #expect(decision.validUntil.map { $0 > decision.decidedAt } ?? true, "validUntil \(String(describing: decision.validUntil))")
    }

    @Test func anActiveBreakGlassClearsAndIsFlaggedWithTheFailuresStillListed() {
        let breakGlass = Fixture.breakGlass(expiresAt: Fixture.hoursAhead(4))
        let decision = PolicyEvaluator.evaluate(Fixture.input(Self.production, evidence: Fixture.evidence(), breakGlass: breakGlass))
        #expect(decision.cleared)
        #expect(decision.breakGlass)
        #expect(decision.validUntil == Fixture.hoursAhead(4))
        #expect(decision.reasons.dropLast().allSatisfy { !$0.passed })
        #expect(
            decision.reasons.last
                == DecisionReason(
                    rule: "breakGlass", passed: true,
                    message:
                        "cleared by break-glass (prod outage INC-42) until \(Timestamp.format(Fixture.hoursAhead(4))); confirm or fix the failures"))
    }

    @Test func aConfirmedBreakGlassSaysWhoConfirmedIt() {
        let breakGlass = Fixture.breakGlass(confirmedBy: "alice")
        let decision = PolicyEvaluator.evaluate(Fixture.input(Self.production, evidence: Fixture.evidence(), breakGlass: breakGlass))
        #expect(decision.cleared && decision.breakGlass)
        #expect(
            decision.reasons.last?.message
                == "cleared by break-glass (prod outage INC-42) until \(Timestamp.format(Fixture.hoursAhead(4))), confirmed by alice; fix the failures"
        )
    }

    static let inactiveBreakGlass: [BreakGlass] = [
        Fixture.breakGlass(expiresAt: Fixture.hoursAgo(1)),
        Fixture.breakGlass(expiresAt: Fixture.now),
        Fixture.breakGlass(environment: "staging"),
    ]

    @Test(arguments: inactiveBreakGlass)
    func anExpiredOrForeignBreakGlassDoesNothing(breakGlass: BreakGlass) {
        let decision = PolicyEvaluator.evaluate(Fixture.input(Self.production, evidence: Fixture.evidence(), breakGlass: breakGlass))
        #expect(!decision.cleared)
        #expect(!decision.breakGlass)
        #expect(!decision.reasons.contains { $0.rule == "breakGlass" })
    }

    @Test func aBreakGlassIsNotUsedWhenNothingFails() {
        let decision = PolicyEvaluator.evaluate(
            Fixture.input(Self.staging, evidence: Self.goodEvidence, environment: "staging", breakGlass: Fixture.breakGlass(environment: "staging")))
        #expect(decision.cleared)
        #expect(!decision.breakGlass)
        #expect(decision.validUntil == nil)
    }

    @Test func aBreakGlassOverridesAnEmptyPolicy() {
        let decision = PolicyEvaluator.evaluate(Fixture.input(EnvironmentPolicy(), breakGlass: Fixture.breakGlass()))
        #expect(decision.cleared && decision.breakGlass)
        #expect(decision.reasons.map(\.rule) == ["policy", "breakGlass"])
    }

    struct ValidityCase: Sendable, CustomTestStringConvertible {
        var name: String
        var approvals: [Approval]
        var count = 1
        var waiverExpiry: Date?
        var scanAge: Double = 1
        var validUntil: Date?
        var testDescription: String { name }
    }

    static let validityCases: [ValidityCase] = [
        ValidityCase(
            name: "the approval ages out first", approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(20))], validUntil: Fixture.hoursAhead(4)),
        ValidityCase(
            name: "the newest of several approvals keeps one needed approval alive",
            approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(20)), Fixture.approval("bob", at: Fixture.hoursAgo(2))],
            validUntil: Fixture.hoursAhead(22)),
        ValidityCase(
            name: "with two needed, the second newest decides",
            approvals: [
                Fixture.approval("alice", at: Fixture.hoursAgo(20)), Fixture.approval("bob", at: Fixture.hoursAgo(2)),
                Fixture.approval("carol", at: Fixture.hoursAgo(10)),
            ], count: 2, validUntil: Fixture.hoursAhead(14)),
        ValidityCase(
            name: "a used waiver expires first", approvals: [Fixture.approval("bob", at: Fixture.hoursAgo(2))], waiverExpiry: Fixture.hoursAhead(3),
            validUntil: Fixture.hoursAhead(3)),
        ValidityCase(
            name: "the scan ages out first", approvals: [Fixture.approval("bob", at: Fixture.hoursAgo(2))], scanAge: 47,
            validUntil: Fixture.hoursAhead(1)),
    ]

    @Test(arguments: validityCases)
    func validUntilIsTheEarliestInstantTheAnswerStopsHolding(_ testCase: ValidityCase) {
        let policy = EnvironmentPolicy(
            validForHours: 24, vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0], scanMaxAgeHours: 48),
            approvals: ApprovalRule(count: testCase.count))
        let scan = Fixture.scan(scannedAt: Fixture.hoursAgo(testCase.scanAge), counts: testCase.waiverExpiry == nil ? [:] : [.critical: 1])
        let decision = PolicyEvaluator.evaluate(
            Fixture.input(
                policy, evidence: Fixture.evidence(scans: [scan]), waivableFindings: [scan.id: [Fixture.finding("CVE-1", .critical)]],
                approvals: testCase.approvals, waivers: testCase.waiverExpiry.map { [Fixture.waiver("CVE-1", expiresAt: $0)] } ?? []))
        #expect(decision.cleared)
        #expect(decision.validUntil == testCase.validUntil)
    }

    @Test func oddDatesAndCountsNeverCrash() {
        let far = Date(timeIntervalSince1970: 1e300)
        let scan = Fixture.scan(scannedAt: Date(timeIntervalSince1970: -1e300), receivedAt: far, counts: [.critical: Int.max, .high: Int.max])
        let policy = EnvironmentPolicy(
            validForHours: 8760, attestations: [AttestationRule(predicateTypes: [Fixture.provenanceV1], minSigners: 0)],
            vulnerabilities: VulnerabilityRule(maxCounts: [.critical: -1], scanMaxAgeHours: 8760), approvals: ApprovalRule(count: 0, role: .viewer))
        let decision = PolicyEvaluator.evaluate(
            Fixture.input(
                policy, evidence: Fixture.evidence(scans: [scan]), waivableFindings: [scan.id: [Fixture.finding("CVE-1", .critical)]],
                approvals: [Fixture.approval("alice", at: far)], waivers: [Fixture.waiver("CVE-1", expiresAt: far)],
                breakGlass: Fixture.breakGlass(expiresAt: Date(timeIntervalSince1970: .infinity)), now: far))
        #expect(decision.reasons.contains { !$0.passed })
    }
}
