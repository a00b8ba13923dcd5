#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain
import Policy
import Testing

/// `recheckAt` is what lets a cached answer live longer than a few seconds: the same inputs decided at any instant
/// before it must give the same decision, and each rule's time dependence must be reported.
@Suite struct RecheckTests {
    /// What a cached answer shows: everything but the decision time.
    struct Shown: Equatable {
        let cleared: Bool
        let reasons: [DecisionReason]
        let validUntil: Date?
        let breakGlass: Bool
        let recheckAt: Date?

        init(_ decision: Decision) {
            (cleared, reasons, validUntil, breakGlass, recheckAt) =
                (decision.cleared, decision.reasons, decision.validUntil, decision.breakGlass, decision.recheckAt)
        }
    }

    static func decided(_ input: PolicyInput, at now: Date) -> Decision {
        var input = input
        input.now = now
        return PolicyEvaluator.evaluate(input)
    }

    /// Decides `input` at instants spread over [now, recheckAt) and right before `recheckAt`: all must match the first.
    /// With no `recheckAt`, instants up to ten years later must match.
    static func expectStable(_ input: PolicyInput, sourceLocation: SourceLocation = #_sourceLocation) -> Decision {
        let first = PolicyEvaluator.evaluate(input)
        let end = first.recheckAt ?? input.now.addingTimeInterval(10 * 365 * 86_400)
        let span = end.timeIntervalSince(input.now)
        #expect(span > 0, "recheckAt lies after now", sourceLocation: sourceLocation)
        let instants = (0..<64).map { input.now.addingTimeInterval(span * Double($0) / 64) } + [end.addingTimeInterval(-0.001)]
        for instant in instants {
            let later = decided(input, at: instant)
            #expect(Shown(later) == Shown(first), "decided at +\(instant.timeIntervalSince(input.now)) s", sourceLocation: sourceLocation)
        }
        return first
    }

    /// `expectStable`, and the decision at `recheckAt` itself differs (the instant reported is the one that matters).
    static func expectChange(_ input: PolicyInput, at expected: Date, sourceLocation: SourceLocation = #_sourceLocation) {
        let first = expectStable(input, sourceLocation: sourceLocation)
        #expect(first.recheckAt == expected, sourceLocation: sourceLocation)
        let after = decided(input, at: expected)
        #expect(after.cleared != first.cleared || after.reasons != first.reasons, sourceLocation: sourceLocation)
    }

    static let provenance = AttestationRule(predicateTypes: [Fixture.provenanceV1])
    static let signed = Fixture.evidence(
        attestations: [Fixture.attestation()], scans: [Fixture.scan(scannedAt: Fixture.hoursAgo(1))], configs: [Fixture.config()])

    @Test func aCountedApprovalLeavingTheWindow() {
        let policy = EnvironmentPolicy(validForHours: 24, attestations: [Self.provenance], approvals: ApprovalRule())
        let input = Fixture.input(policy, evidence: Self.signed, approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(1))])
        #expect(PolicyEvaluator.evaluate(input).cleared)
        Self.expectChange(input, at: Fixture.hoursAhead(23))
    }

    @Test func aStandingRejectionLeavingTheWindow() {
        let policy = EnvironmentPolicy(validForHours: 24, attestations: [Self.provenance], approvals: ApprovalRule())
        let input = Fixture.input(
            policy, evidence: Self.signed,
            approvals: [Fixture.approval("bob", .reject, at: Fixture.hoursAgo(2), comment: "no"), Fixture.approval("alice", at: Fixture.hoursAgo(30))])
        #expect(!PolicyEvaluator.evaluate(input).cleared)
        Self.expectChange(input, at: Fixture.hoursAhead(22))
    }

    @Test func anApprovalShortOfTheCountAgeingOutChangesTheMessage() {
        let policy = EnvironmentPolicy(validForHours: 24, attestations: [Self.provenance], approvals: ApprovalRule(count: 2))
        let input = Fixture.input(policy, evidence: Self.signed, approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(5))])
        Self.expectChange(input, at: Fixture.hoursAhead(19))
    }

    @Test func approvalsWithoutAWindowNeverAgeOut() {
        let policy = EnvironmentPolicy(attestations: [Self.provenance], approvals: ApprovalRule())
        let input = Fixture.input(policy, evidence: Self.signed, approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(1))])
        #expect(Self.expectStable(input).recheckAt == nil)
    }

    @Test func aScanReachingItsMaximumAge() {
        let policy = EnvironmentPolicy(attestations: [Self.provenance], vulnerabilities: VulnerabilityRule(scanMaxAgeHours: 24))
        let input = Fixture.input(policy, evidence: Self.signed)
        #expect(PolicyEvaluator.evaluate(input).cleared)
        Self.expectChange(input, at: Fixture.hoursAhead(23))
    }

    @Test func aTooOldScanIsRecheckedAsItsReportedAgeGrows() {
        let policy = EnvironmentPolicy(attestations: [Self.provenance], vulnerabilities: VulnerabilityRule(scanMaxAgeHours: 24))
        let evidence = Fixture.evidence(attestations: [Fixture.attestation()], scans: [Fixture.scan(scannedAt: Fixture.hoursAgo(30.25))])
        let input = Fixture.input(policy, evidence: evidence)
        #expect(PolicyEvaluator.evaluate(input).reasons.contains { $0.message.contains("30 hours old") })
        Self.expectChange(input, at: Fixture.hoursAhead(0.75))
    }

    @Test func aWaiverThatKeepsTheAnswerClearedExpiring() {
        let policy = EnvironmentPolicy(attestations: [Self.provenance], vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0]))
        let evidence = Fixture.evidence(
            attestations: [Fixture.attestation()], scans: [Fixture.scan(counts: [.critical: 1])])
        let input = Fixture.input(
            policy, evidence: evidence, waivableFindings: ["scan-1": [Fixture.finding("CVE-2024-1", .critical)]],
            waivers: [Fixture.waiver("CVE-2024-1", expiresAt: Fixture.hoursAhead(3))])
        #expect(PolicyEvaluator.evaluate(input).cleared)
        Self.expectChange(input, at: Fixture.hoursAhead(3))
    }

    @Test func aWaiverForAnotherEnvironmentDoesNotBoundTheAnswer() {
        let policy = EnvironmentPolicy(attestations: [Self.provenance], vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0]))
        let input = Fixture.input(
            policy, evidence: Self.signed, waivers: [Fixture.waiver("CVE-2024-1", environment: "staging", expiresAt: Fixture.hoursAhead(3))])
        #expect(Self.expectStable(input).recheckAt == nil)
    }

    @Test func aBreakGlassEnding() {
        let policy = EnvironmentPolicy(attestations: [Self.provenance], vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0]))
        let input = Fixture.input(policy, evidence: Fixture.evidence(), breakGlass: Fixture.breakGlass(expiresAt: Fixture.hoursAhead(4)))
        #expect(PolicyEvaluator.evaluate(input).breakGlass)
        Self.expectChange(input, at: Fixture.hoursAhead(4))
    }

    @Test func theDefaultPoliciesWithTypicalEvidence() throws {
        let policies = PolicyParser.defaults()
        let staging = Fixture.input(try #require(policies["staging"]), evidence: Self.signed, environment: "staging")
        #expect(Self.expectStable(staging).recheckAt == nil)
        let production = Fixture.input(
            try #require(policies["production"]), evidence: Self.signed, approvals: [Fixture.approval("alice")], clearedIn: ["staging": true])
        #expect(Self.expectStable(production).recheckAt != nil)
    }

    /// Many random combinations of approvals, rejections, scans, waivers and break-glass around `now`, under policies
    /// with and without windows and age limits: no decision changes before its `recheckAt`.
    @Test func randomInputsHoldUntilTheirRecheck() {
        var random = MonotonicityTests.SeededGenerator(state: 0x5EED)
        for _ in 0..<300 {
            let input = Self.randomInput(&random)
            _ = Self.expectStable(input)
        }
    }

    static func randomInput(_ random: inout MonotonicityTests.SeededGenerator) -> PolicyInput {
        func hours(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &random) }
        let window = hours(0...1) < 0.7 ? Int(hours(1...72)) : nil
        let maxAge = hours(0...1) < 0.7 ? Int(hours(1...48)) : nil
        let policy = EnvironmentPolicy(
            validForHours: window, attestations: [Self.provenance],
            vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0, .high: Int(hours(0...2))], scanMaxAgeHours: maxAge),
            approvals: ApprovalRule(count: Int(hours(1...2.9)), distinctFromPosters: true))
        let users = ["alice", "bob", "carol", "ci"]
        let approvals = (0..<Int(hours(0...5.9))).map { index in
            Fixture.approval(
                users[Int(hours(0...3.99))], hours(0...1) < 0.25 ? .reject : .approve, role: hours(0...1) < 0.1 ? .viewer : .approver,
                at: Fixture.hoursAgo(hours(-1...80)), comment: "c", id: "a\(index)")
        }
        let scans = (0..<Int(hours(0...2.9))).map { index in
            Fixture.scan(
                id: "scan-\(index)", scanner: index == 0 ? "trivy" : "grype", scannedAt: Fixture.hoursAgo(hours(-1...60)),
                receivedAt: Fixture.hoursAgo(hours(0...60)), counts: [.critical: Int(hours(0...1.9)), .high: Int(hours(0...3.9))])
        }
        let findings = Dictionary(uniqueKeysWithValues: scans.map { scan in
            (scan.id, [Fixture.finding("CVE-1", .critical), Fixture.finding("CVE-2", .high, package: "zlib")])
        })
        let waivers = (0..<Int(hours(0...3.9))).map { _ in
            Fixture.waiver(
                hours(0...1) < 0.5 ? "CVE-1" : "CVE-2", environment: hours(0...1) < 0.2 ? "staging" : nil, expiresAt: Fixture.hoursAhead(hours(0.01...48)))
        }
        let breakGlass = hours(0...1) < 0.3 ? Fixture.breakGlass(expiresAt: Fixture.hoursAhead(hours(-2...24))) : nil
        let evidence = Fixture.evidence(attestations: [Fixture.attestation()], scans: scans)
        return Fixture.input(policy, evidence: evidence, waivableFindings: findings, approvals: approvals, waivers: waivers, breakGlass: breakGlass)
    }
}
