#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain

extension PolicyEvaluator {
    /// One reason: blocked by any standing rejection, else distinct qualified approvers (not posters) in the window.
    static func approvalOutcome(_ rule: ApprovalRule, input: PolicyInput, evidence: ImageEvidence) -> RuleOutcome {
        var outcome = RuleOutcome()
        let needed = max(rule.count, 1)
        // A viewer-level rule (only possible without the parser) still needs an approver.
        let minimumRole = max(rule.role, .approver)
        let windowHours = input.policy.validForHours
        let windowStart = windowHours.map { DecisionText.adding(hours: -$0, to: input.now) }
        func inWindow(_ approval: Approval) -> Bool { windowStart.map { approval.at > $0 } ?? true }

        let standings = verdictsPerUser(input.approvals.filter { $0.digest == input.digest && $0.environment == input.environment })
        let rejections = standings.compactMap { standing in standing.rejection.flatMap { inWindow($0) ? $0 : nil } }
        if !rejections.isEmpty {
            let texts = rejections.sorted { ($0.at, $0.user) < ($1.at, $1.user) }.map { rejection in
                let comment = DecisionText.trimmed(rejection.comment)
                return comment.isEmpty ? "rejected by \(rejection.user)" : "rejected by \(rejection.user): \(DecisionText.clip(comment, max: 200))"
            }
            outcome.fail("approvals", DecisionText.list(texts, limit: 5, separator: "; "))
            return outcome
        }

        let posters = rule.distinctFromPosters ? PolicyEvaluator.posters(evidence) : []
        var counted: [Approval] = []
        var excluded: [String] = []
        var aged = 0
        var lowRole: [String] = []
        for standing in standings {
            let qualifying = standing.approvals.filter { $0.role >= minimumRole }
            // The user's newest qualifying approval inside the window is the one that counts (and lasts longest).
            if let best = qualifying.filter(inWindow).max(by: { $0.at < $1.at }) {
                if posters.contains(best.user) { excluded.append(best.user) } else { counted.append(best) }
            } else if !qualifying.isEmpty {
                aged += 1
            } else if !standing.approvals.isEmpty || standing.belowRole {
                lowRole.append(standing.user)
            }
        }

        if let windowHours, counted.count >= needed {
            // The answer holds until fewer than `needed` counted approvals remain: the needed-th latest expiry.
            let expiries = counted.map { DecisionText.adding(hours: windowHours, to: $0.at) }.sorted(by: >)
            outcome.expiries.append(expiries[needed - 1])
        }
        let roleName = minimumRole == .admin ? "an admin" : "an approver"
        if counted.count >= needed {
            let names = counted.map { "\($0.user) (\($0.role.rawValue))" }
            outcome.pass("approvals", "approved by \(DecisionText.list(names)) (\(counted.count) of \(needed) needed)")
            return outcome
        }
        var wanted =
            needed == 1
            ? "1 approval by \(roleName)" : "\(needed) approvals by distinct \(minimumRole == .admin ? "admins" : "approvers")"
        if rule.distinctFromPosters { wanted += " who did not post evidence" }
        var notes: [String] = []
        if !excluded.isEmpty {
            notes.append("\(DecisionText.list(excluded)) posted evidence for this digest and cannot approve it")
        }
        if aged > 0, let windowHours {
            notes.append("\(DecisionText.count(aged, "approval")) older than \(windowHours) hours no longer \(aged == 1 ? "counts" : "count")")
        }
        if !lowRole.isEmpty { notes.append("approvals by \(DecisionText.list(lowRole)) lack the role") }
        let noteText = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
        outcome.fail(
            "approvals",
            "needs \(wanted); found \(counted.count)\(noteText): approve it in the dashboard or POST /api/v1/images/\(input.digest)/approvals")
        return outcome
    }

    /// One user's standing verdicts: a rejection not yet answered by a later approval, or the approvals given since
    /// their last rejection (all of them, so that adding an approval can never make an earlier one stop counting).
    struct UserVerdicts {
        var user: String
        /// Set when the user's latest verdict is a rejection.
        var rejection: Approval?
        /// Approvals after the user's last rejection (empty when `rejection` is set).
        var approvals: [Approval]
        /// The user approved only with a role too low to approve at all (viewer).
        var belowRole: Bool
    }

    /// Verdicts per user, by user name. Only approver and admin verdicts count at all; on a tie in time a rejection wins.
    static func verdictsPerUser(_ approvals: [Approval]) -> [UserVerdicts] {
        var byUser: [String: [Approval]] = [:]
        for approval in approvals { byUser[approval.user, default: []].append(approval) }
        return byUser.keys.sorted().map { user in
            let verdicts = byUser[user] ?? []
            let entitled = verdicts.filter { $0.role >= .approver }
            let lastRejection = entitled.filter { $0.verdict == .reject }.max { ($0.at, $0.id) < ($1.at, $1.id) }
            let standing = entitled.filter { approval in approval.verdict == .approve && lastRejection.map { approval.at > $0.at } ?? true }
            return UserVerdicts(
                user: user, rejection: standing.isEmpty ? lastRejection : nil, approvals: standing,
                belowRole: verdicts.contains { $0.verdict == .approve && $0.role < .approver })
        }
    }

    /// One reason per environment the digest must already be cleared in.
    static func promotionOutcome(_ rule: PromotionRule, input: PolicyInput) -> RuleOutcome {
        var outcome = RuleOutcome()
        for environment in rule.requireClearedIn {
            if environment == input.environment {
                outcome.fail("promotion", "the policy requires its own environment \(environment): fix the policy")
            } else if input.clearedIn[environment] == true {
                outcome.pass("promotion", "cleared in \(environment)")
            } else {
                outcome.fail("promotion", "not cleared in \(environment) yet")
            }
        }
        return outcome
    }
}
