#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain

/// The pure decision function: (policy, evidence, approvals, waivers, break-glass, now) → Decision.
///
/// Every rule yields at least one reason; `cleared` holds only when every reason passed (enforce), or in
/// dry-run mode (failures still listed, marked "(dry run)"), or under an active break-glass (flagged).
public enum PolicyEvaluator {
    /// Total and deterministic: never throws, and anything unknown fails closed.
    public static func evaluate(_ input: PolicyInput) -> Decision {
        let policy = input.policy
        guard let evidence = input.evidence, evidence.digest == input.digest else {
            let message = "nothing is known about \(input.digest): post an attestation, scan, SBOM or config first"
            return decision(input, cleared: false, reasons: [DecisionReason(rule: "evidence", passed: false, message: message)])
        }
        var outcome = RuleOutcome()
        if policy.hasRules {
            for rule in policy.attestations { outcome.add(attestationOutcome(rule, input: input, evidence: evidence)) }
            if let rule = policy.vulnerabilities { outcome.add(vulnerabilityOutcome(rule, input: input, evidence: evidence)) }
            if let rule = policy.imageConfig { outcome.add(imageConfigOutcome(rule, input: input, evidence: evidence)) }
            if let rule = policy.sbom, rule.required { outcome.add(sbomOutcome(evidence: evidence)) }
            if let rule = policy.approvals { outcome.add(approvalOutcome(rule, input: input, evidence: evidence)) }
            if let rule = policy.promotion { outcome.add(promotionOutcome(rule, input: input)) }
        } else {
            outcome.fail("policy", "the \(input.environment) policy has no rules; an empty policy clears nothing")
        }

        var reasons = outcome.reasons
        var expiries = outcome.expiries
        let failing = reasons.contains { !$0.passed }
        var cleared = !failing
        var byBreakGlass = false
        if failing, policy.mode == .dryRun, policy.hasRules {
            cleared = true
            reasons = reasons.map { reason in
                var reason = reason
                if !reason.passed { reason.message += " (dry run)" }
                return reason
            }
        } else if failing, let breakGlass = input.breakGlass, breakGlass.digest == input.digest,
            breakGlass.environment == input.environment, breakGlass.isActive(at: input.now)
        {
            cleared = true
            byBreakGlass = true
            expiries.append(breakGlass.expiresAt)
            reasons.append(breakGlassReason(breakGlass))
        }
        // Only a clearance has a validity; the instants a failing answer's passes would stop holding still count for recheckAt.
        // A dry run clears what failed, so an instant already past (a scan that aged out) bounds nothing.
        let validUntil = cleared ? expiries.filter { $0 > input.now }.min() : nil
        let recheckAt = (expiries + timeBoundaries(input, evidence: evidence)).filter { $0 > input.now }.min()
        return decision(input, cleared: cleared, reasons: reasons, validUntil: validUntil, breakGlass: byBreakGlass, recheckAt: recheckAt)
    }

    private static func decision(
        _ input: PolicyInput, cleared: Bool, reasons: [DecisionReason], validUntil: Date? = nil, breakGlass: Bool = false,
        recheckAt: Date? = nil
    ) -> Decision {
        Decision(
            digest: input.digest, environment: input.environment, cleared: cleared, mode: input.policy.mode,
            policyVersion: input.policyVersion, decidedAt: input.now, validUntil: validUntil, reasons: reasons, breakGlass: breakGlass,
            recheckAt: recheckAt)
    }

    /// Every instant at which a comparison with `now` made by the rules flips: an approval or rejection leaving the
    /// approval window, a scan reaching its maximum age (and, once past it, each whole hour its reported age grows),
    /// an applicable waiver or an active break-glass expiring. Deliberately a superset: an extra instant costs one
    /// early recomputation, a missing one a stale answer.
    static func timeBoundaries(_ input: PolicyInput, evidence: ImageEvidence) -> [Date] {
        let policy = input.policy
        var instants: [Date] = []
        if policy.approvals != nil, let window = policy.validForHours {
            for approval in input.approvals where approval.digest == input.digest && approval.environment == input.environment {
                instants.append(DecisionText.adding(hours: window, to: approval.at))
            }
        }
        if let maxAge = policy.vulnerabilities?.scanMaxAgeHours {
            for scan in evidence.scans {
                let scannedAt = scanTime(scan)
                let limit = DecisionText.adding(hours: maxAge, to: scannedAt)
                if input.now < limit {
                    instants.append(limit)
                } else {
                    // Past the limit the failure quotes the age in whole hours: it changes as each hour completes.
                    let age = DecisionText.wholeHours(input.now.timeIntervalSince(scannedAt))
                    if age < Int(Int32.max) { instants.append(DecisionText.adding(hours: age + 1, to: scannedAt)) }
                }
            }
        }
        if policy.vulnerabilities != nil {
            for waiver in input.waivers where appliesNow(waiver, input: input, evidence: evidence) { instants.append(waiver.expiresAt) }
        }
        if let breakGlass = input.breakGlass, breakGlass.digest == input.digest, breakGlass.environment == input.environment,
            breakGlass.isActive(at: input.now)
        {
            instants.append(breakGlass.expiresAt)
        }
        return instants
    }

    private static func breakGlassReason(_ breakGlass: BreakGlass) -> DecisionReason {
        let base =
            "cleared by break-glass (\(DecisionText.clip(breakGlass.justification, max: 200))) until \(DecisionText.time(breakGlass.expiresAt))"
        let message =
            if let confirmedBy = breakGlass.confirmedBy {
                "\(base), confirmed by \(confirmedBy); fix the failures"
            } else {
                "\(base); confirm or fix the failures"
            }
        return DecisionReason(rule: "breakGlass", passed: true, message: message)
    }

    // MARK: Shared facts

    /// Every identity that posted evidence for the digest (separation of duties).
    static func posters(_ evidence: ImageEvidence) -> Set<String> {
        var names = Set(evidence.attestations.map(\.postedBy))
        names.formUnion(evidence.scans.map(\.postedBy))
        names.formUnion(evidence.sboms.map(\.postedBy))
        names.formUnion(evidence.configs.map(\.postedBy))
        return names
    }

    /// The ids of keys on `record` that are trusted right now: marked active and still in the active key set.
    static func activeKeyIDs(of record: AttestationRecord, activeKeys: [String: String]) -> [String] {
        record.keys.filter { $0.active && activeKeys[$0.id] != nil }.map(\.id)
    }
}
