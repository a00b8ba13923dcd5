import Domain
import Policy
import Testing

@Suite struct ApprovalRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rule: ApprovalRule = ApprovalRule()
        var validForHours: Int? = nil
        var approvals: [Approval]
        var passed: Bool
        var message: String
        var testDescription: String { name }
    }

    static let hint = "approve it in the dashboard or POST /api/v1/images/sha256:\(String(repeating: "a", count: 64))/approvals"

    static let cases: [Case] = [
        Case(
            name: "no approval", approvals: [], passed: false, message: "needs 1 approval by an approver who did not post evidence; found 0: \(hint)"),
        Case(name: "one approver", approvals: [Fixture.approval("alice")], passed: true, message: "approved by alice (approver) (1 of 1 needed)"),
        Case(
            name: "an admin satisfies approver", approvals: [Fixture.approval("root", role: .admin)], passed: true,
            message: "approved by root (admin) (1 of 1 needed)"),
        Case(
            name: "a viewer does not count", approvals: [Fixture.approval("carol", role: .viewer)], passed: false,
            message: "needs 1 approval by an approver who did not post evidence; found 0 (approvals by carol lack the role): \(hint)"),
        Case(
            name: "an admin rule refuses an approver", rule: ApprovalRule(role: .admin), approvals: [Fixture.approval("alice")], passed: false,
            message: "needs 1 approval by an admin who did not post evidence; found 0 (approvals by alice lack the role): \(hint)"),
        Case(
            name: "whoever posted evidence cannot approve", approvals: [Fixture.approval("ci")], passed: false,
            message:
                "needs 1 approval by an approver who did not post evidence; found 0 (ci posted evidence for this digest and cannot approve it): \(hint)"
        ),
        Case(
            name: "a scan poster cannot approve", approvals: [Fixture.approval("scanbot")], passed: false,
            message:
                "needs 1 approval by an approver who did not post evidence; found 0 (scanbot posted evidence for this digest and cannot approve it): \(hint)"
        ),
        Case(
            name: "posters may approve when the rule allows it", rule: ApprovalRule(distinctFromPosters: false), approvals: [Fixture.approval("ci")],
            passed: true, message: "approved by ci (approver) (1 of 1 needed)"),
        Case(
            name: "any rejection blocks",
            approvals: [Fixture.approval("alice"), Fixture.approval("bob", .reject, comment: " CVE-1 is exploitable ")],
            passed: false, message: "rejected by bob: CVE-1 is exploitable"),
        Case(
            name: "a rejection without comment", approvals: [Fixture.approval("bob", .reject)], passed: false, message: "rejected by bob"),
        Case(
            name: "an admin's rejection blocks",
            approvals: [Fixture.approval("alice"), Fixture.approval("root", .reject, role: .admin, comment: "no")],
            passed: false, message: "rejected by root: no"),
        Case(
            name: "a viewer's rejection does not block",
            approvals: [Fixture.approval("alice"), Fixture.approval("carol", .reject, role: .viewer, comment: "no")], passed: true,
            message: "approved by alice (approver) (1 of 1 needed)"),
        Case(
            name: "a later approval supersedes the same user's rejection",
            approvals: [Fixture.approval("bob", .reject, at: Fixture.hoursAgo(3)), Fixture.approval("bob", at: Fixture.hoursAgo(1))], passed: true,
            message: "approved by bob (approver) (1 of 1 needed)"),
        Case(
            name: "a later rejection supersedes the same user's approval",
            approvals: [
                Fixture.approval("bob", at: Fixture.hoursAgo(3)),
                Fixture.approval("bob", .reject, at: Fixture.hoursAgo(1), comment: "changed my mind"),
            ],
            passed: false, message: "rejected by bob: changed my mind"),
        Case(
            name: "on a tie in time the rejection wins",
            approvals: [Fixture.approval("bob", at: Fixture.hoursAgo(1)), Fixture.approval("bob", .reject, at: Fixture.hoursAgo(1), comment: "tie")],
            passed: false, message: "rejected by bob: tie"),
        Case(
            name: "a later viewer-role approval does not cancel an earlier approver one",
            approvals: [Fixture.approval("bob", at: Fixture.hoursAgo(3)), Fixture.approval("bob", role: .viewer, at: Fixture.hoursAgo(1))],
            passed: true, message: "approved by bob (approver) (1 of 1 needed)"),
        Case(
            name: "a later approval with a lower role does not cancel an earlier admin one", rule: ApprovalRule(role: .admin),
            approvals: [Fixture.approval("root", role: .admin, at: Fixture.hoursAgo(3)), Fixture.approval("root", at: Fixture.hoursAgo(1))],
            passed: true, message: "approved by root (admin) (1 of 1 needed)"),
        Case(
            name: "two approvals needed, one user twice", rule: ApprovalRule(count: 2),
            approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(3)), Fixture.approval("alice", at: Fixture.hoursAgo(1))], passed: false,
            message: "needs 2 approvals by distinct approvers who did not post evidence; found 1: \(hint)"),
        Case(
            name: "two approvals by distinct users", rule: ApprovalRule(count: 2),
            approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(3)), Fixture.approval("bob", at: Fixture.hoursAgo(1))], passed: true,
            message: "approved by alice (approver), bob (approver) (2 of 2 needed)"),
        Case(
            name: "an approval older than the window stops counting", validForHours: 24,
            approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(30))],
            passed: false,
            message: "needs 1 approval by an approver who did not post evidence; found 0 (1 approval older than 24 hours no longer counts): \(hint)"),
        Case(
            name: "an approval inside the window counts", validForHours: 24, approvals: [Fixture.approval("alice", at: Fixture.hoursAgo(23))],
            passed: true, message: "approved by alice (approver) (1 of 1 needed)"),
        Case(
            name: "a rejection older than the window no longer blocks", validForHours: 24,
            approvals: [Fixture.approval("alice"), Fixture.approval("bob", .reject, at: Fixture.hoursAgo(30))], passed: true,
            message: "approved by alice (approver) (1 of 1 needed)"),
        Case(
            name: "approvals for another environment or digest are ignored",
            approvals: [Fixture.approval("alice", environment: "staging"), Fixture.approval("bob", digest: Fixture.otherDigest)], passed: false,
            message: "needs 1 approval by an approver who did not post evidence; found 0: \(hint)"),
    ]

    @Test(arguments: cases)
    func countsDistinctQualifiedApproversAndHonoursRejections(_ testCase: Case) {
        let policy = EnvironmentPolicy(validForHours: testCase.validForHours, approvals: testCase.rule)
        let evidence = Fixture.evidence(attestations: [Fixture.attestation(postedBy: "ci")], scans: [Fixture.scan(postedBy: "scanbot")])
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: evidence, approvals: testCase.approvals))
        #expect(decision.reasons == [DecisionReason(rule: "approvals", passed: testCase.passed, message: testCase.message)])
        #expect(decision.cleared == testCase.passed)
    }

    @Test func windowExpiryFollowsTheInjectedClock() {
        let policy = EnvironmentPolicy(validForHours: 24, approvals: ApprovalRule())
        let approval = Fixture.approval("alice", at: Fixture.now)
        let inside = PolicyEvaluator.evaluate(Fixture.input(policy, approvals: [approval], now: Fixture.hoursAhead(23.9)))
        #expect(inside.cleared)
        #expect(inside.validUntil == Fixture.hoursAhead(24))
        let atExpiry = PolicyEvaluator.evaluate(Fixture.input(policy, approvals: [approval], now: Fixture.hoursAhead(24)))
        #expect(!atExpiry.cleared)
    }

    @Test func posterOfAnSBOMOrConfigCannotApproveEither() {
        let policy = EnvironmentPolicy(approvals: ApprovalRule())
        for evidence in [Fixture.evidence(sboms: [Fixture.sbom(postedBy: "alice")]), Fixture.evidence(configs: [Fixture.config(postedBy: "alice")])] {
            let decision = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: evidence, approvals: [Fixture.approval("alice")]))
            #expect(!decision.cleared)
        }
    }

    static let promotionCases: [([String: Bool], [DecisionReason])] = [
        ([:], [DecisionReason(rule: "promotion", passed: false, message: "not cleared in staging yet")]),
        (["staging": false], [DecisionReason(rule: "promotion", passed: false, message: "not cleared in staging yet")]),
        (["staging": true], [DecisionReason(rule: "promotion", passed: true, message: "cleared in staging")]),
        (["qa": true], [DecisionReason(rule: "promotion", passed: false, message: "not cleared in staging yet")]),
    ]

    @Test(arguments: promotionCases)
    func promotionNeedsClearanceInTheNamedEnvironment(clearedIn: [String: Bool], reasons: [DecisionReason]) {
        let policy = EnvironmentPolicy(promotion: PromotionRule(requireClearedIn: ["staging"]))
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, clearedIn: clearedIn))
        #expect(decision.reasons == reasons)
    }

    @Test func promotionJudgesEachEnvironment() {
        let policy = EnvironmentPolicy(promotion: PromotionRule(requireClearedIn: ["staging", "qa"]))
        let decision = PolicyEvaluator.evaluate(Fixture.input(policy, clearedIn: ["staging": true]))
        #expect(decision.reasons.map(\.passed) == [true, false])
        #expect(!decision.cleared)
    }
}
