#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One rule's outcome in a decision.
public struct DecisionReason: Sendable, Equatable, Codable {
    /// The policy rule (`attestations`, `vulnerabilities`, `imageConfig`, `sbom`, `approvals`, `promotion`, `breakGlass`, `evidence`, …).
    public var rule: String
    public var passed: Bool
    /// What was checked, and for a failure what to do about it.
    public var message: String

    public init(rule: String, passed: Bool, message: String) {
        self.rule = rule
        self.passed = passed
        self.message = message
    }
}

/// How a policy's outcome is applied.
public enum PolicyMode: String, Sendable, Codable {
    /// Failures block.
    case enforce
    /// Answers cleared, but reports what would have failed.
    case dryRun
}

/// Cleared or not, for (digest, environment, now), with every reason. Computed, never the source of truth.
public struct Decision: Sendable, Equatable {
    public var digest: Digest
    public var environment: String
    public var cleared: Bool
    public var mode: PolicyMode
    public var policyVersion: Int
    public var decidedAt: Date
    /// When the answer stops holding on its own (oldest counted approval or waiver expiring, scan ageing out, break-glass ending).
    public var validUntil: Date?
    public var reasons: [DecisionReason]
    /// Cleared only because of an active break-glass.
    public var breakGlass: Bool
    /// The earliest instant after `decidedAt` at which time alone could change this decision, its outcome or any
    /// reason's text (an approval, rejection, waiver or break-glass running out, a scan ageing); nil when only new
    /// facts can change it.
    public var recheckAt: Date?

    public init(
        digest: Digest, environment: String, cleared: Bool, mode: PolicyMode, policyVersion: Int, decidedAt: Date, validUntil: Date?,
        reasons: [DecisionReason], breakGlass: Bool, recheckAt: Date? = nil
    ) {
        self.digest = digest
        self.environment = environment
        self.cleared = cleared
        self.mode = mode
        self.policyVersion = policyVersion
        self.decidedAt = decidedAt
        self.validUntil = validUntil
        self.reasons = reasons
        self.breakGlass = breakGlass
        self.recheckAt = recheckAt
    }
}
