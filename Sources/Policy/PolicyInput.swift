#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain

/// Everything one decision is computed from; the caller loads it, the evaluator only reads it.
public struct PolicyInput: Sendable {
    /// The digest decided on.
    public var digest: Digest
    /// The environment decided for.
    public var environment: String
    /// That environment's current policy.
    public var policy: EnvironmentPolicy
    /// Its version, echoed in the decision.
    public var policyVersion: Int
    /// nil: nothing is known about the digest.
    public var evidence: ImageEvidence?
    /// Scan id → its findings whose id some candidate waiver names.
    public var waivableFindings: [String: [Finding]]
    /// For this digest and environment, all times (others are ignored).
    public var approvals: [Approval]
    /// Candidates (digest-scoped for this digest, or repository-scoped), maybe expired.
    public var waivers: [Waiver]
    /// The latest for this digest and environment, maybe expired.
    public var breakGlass: BreakGlass?
    /// Environment → cleared there now (for promotion), computed by the caller.
    public var clearedIn: [String: Bool]
    /// Active trusted key id → name (revoked keys absent).
    public var activeKeys: [String: String]
    /// The instant decided at: every expiry and age is measured against it.
    public var now: Date

    /// Memberwise.
    public init(
        digest: Digest, environment: String, policy: EnvironmentPolicy, policyVersion: Int, evidence: ImageEvidence?,
        waivableFindings: [String: [Finding]] = [:], approvals: [Approval] = [], waivers: [Waiver] = [], breakGlass: BreakGlass? = nil,
        clearedIn: [String: Bool] = [:], activeKeys: [String: String] = [:], now: Date
    ) {
        self.digest = digest
        self.environment = environment
        self.policy = policy
        self.policyVersion = policyVersion
        self.evidence = evidence
        self.waivableFindings = waivableFindings
        self.approvals = approvals
        self.waivers = waivers
        self.breakGlass = breakGlass
        self.clearedIn = clearedIn
        self.activeKeys = activeKeys
        self.now = now
    }
}
