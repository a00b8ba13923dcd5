import Domain

/// A validated policy document for one environment (value type; Codable so it round-trips to the stored JSON).
///
/// Build one with `PolicyParser.parse`; values made directly are still evaluated fail-closed (an out-of-range
/// threshold never loosens a rule).
public struct EnvironmentPolicy: Sendable, Equatable {
    /// `enforce` blocks on failures; `dryRun` answers cleared but reports what would have failed.
    public var mode: PolicyMode
    /// Approvals (and rejections) older than this stop counting; nil: they never age out. 1…8760.
    public var validForHours: Int?
    /// Each entry must be satisfied; empty: no attestation requirement.
    public var attestations: [AttestationRule]
    /// Present: a vulnerability scan is required and judged.
    public var vulnerabilities: VulnerabilityRule?
    /// Present: an image config is required and judged.
    public var imageConfig: ImageConfigRule?
    /// Present: SBOM requirement.
    public var sbom: SBOMRule?
    /// Present: human approvals required.
    public var approvals: ApprovalRule?
    /// Present: the digest must be cleared elsewhere first.
    public var promotion: PromotionRule?

    /// Memberwise; defaults give the empty policy, which clears nothing.
    public init(
        mode: PolicyMode = .enforce, validForHours: Int? = nil, attestations: [AttestationRule] = [],
        vulnerabilities: VulnerabilityRule? = nil, imageConfig: ImageConfigRule? = nil, sbom: SBOMRule? = nil,
        approvals: ApprovalRule? = nil, promotion: PromotionRule? = nil
    ) {
        self.mode = mode
        self.validForHours = validForHours
        self.attestations = attestations
        self.vulnerabilities = vulnerabilities
        self.imageConfig = imageConfig
        self.sbom = sbom
        self.approvals = approvals
        self.promotion = promotion
    }

    /// Whether any rule would produce a reason; a policy without one clears nothing.
    public var hasRules: Bool {
        !attestations.isEmpty || vulnerabilities != nil || imageConfig != nil || sbom?.required == true || approvals != nil
            || promotion.map { !$0.requireClearedIn.isEmpty } == true
    }
}

/// Signed attestations of one kind: at least `minSigners` distinct active trusted keys.
public struct AttestationRule: Sendable, Equatable {
    /// Any of these predicate types counts (e.g. SLSA provenance v1 or v0.2); never empty in a parsed policy.
    public var predicateTypes: [String]
    /// Distinct active trusted keys needed, 1…16.
    public var minSigners: Int
    /// Only keys with these names or ids count; nil: any trusted key.
    public var keys: [String]?
    /// Globs on the provenance builder id (JSON `builderIds`); nil: any builder.
    public var builderIDs: [String]?
    /// Globs on the provenance source repository; nil: any source.
    public var sourceRepositories: [String]?

    /// Memberwise.
    public init(
        predicateTypes: [String], minSigners: Int = 1, keys: [String]? = nil, builderIDs: [String]? = nil, sourceRepositories: [String]? = nil
    ) {
        self.predicateTypes = predicateTypes
        self.minSigners = minSigners
        self.keys = keys
        self.builderIDs = builderIDs
        self.sourceRepositories = sourceRepositories
    }
}

/// Vulnerability limits, judged on the newest scan of each scanner.
public struct VulnerabilityRule: Sendable, Equatable {
    /// Maximum findings per severity (JSON `max`); a severity not listed is unlimited.
    public var maxCounts: [Severity: Int]
    /// Count only findings that have a fixed version.
    public var onlyFixable: Bool
    /// A scan older than this fails, 1…8760; nil: any age.
    public var scanMaxAgeHours: Int?
    /// Only scans that arrived in a verified attestation count.
    public var requireSigned: Bool

    /// Memberwise.
    public init(maxCounts: [Severity: Int] = [:], onlyFixable: Bool = false, scanMaxAgeHours: Int? = nil, requireSigned: Bool = false) {
        self.maxCounts = maxCounts
        self.onlyFixable = onlyFixable
        self.scanMaxAgeHours = scanMaxAgeHours
        self.requireSigned = requireSigned
    }
}

/// Checks on the newest image config (any source).
public struct ImageConfigRule: Sendable, Equatable {
    /// Fail when the image runs as root (empty user, `root`, `0`, `0:0`).
    public var forbidRoot: Bool
    /// Fail when the user is a name rather than a numeric uid.
    public var forbidNonNumericUser: Bool
    /// Every exposed port must be one of these (`8080/tcp`, `53/udp`); nil: any port.
    public var allowedPorts: [String]?
    /// Fail when an env name looks like a secret.
    public var forbidSecretEnv: Bool
    /// Fail when the newest scans report secrets.
    public var forbidSecretFindings: Bool
    /// Fail when the config has no HEALTHCHECK.
    public var requireHealthcheck: Bool

    /// Memberwise.
    public init(
        forbidRoot: Bool = false, forbidNonNumericUser: Bool = false, allowedPorts: [String]? = nil, forbidSecretEnv: Bool = false,
        forbidSecretFindings: Bool = false, requireHealthcheck: Bool = false
    ) {
        self.forbidRoot = forbidRoot
        self.forbidNonNumericUser = forbidNonNumericUser
        self.allowedPorts = allowedPorts
        self.forbidSecretEnv = forbidSecretEnv
        self.forbidSecretFindings = forbidSecretFindings
        self.requireHealthcheck = requireHealthcheck
    }
}

/// Whether an SBOM must have been posted.
public struct SBOMRule: Sendable, Equatable {
    /// At least one SBOM must exist for the digest.
    public var required: Bool

    /// Memberwise.
    public init(required: Bool = true) {
        self.required = required
    }
}

/// Human approvals: how many, by whom, with separation of duties.
public struct ApprovalRule: Sendable, Equatable {
    /// Distinct approving users needed, 1…10.
    public var count: Int
    /// Minimum role of an approver: `approver` or `admin` (admin satisfies approver).
    public var role: Role
    /// Whoever posted evidence for the digest cannot approve it.
    public var distinctFromPosters: Bool

    /// Memberwise.
    public init(count: Int = 1, role: Role = .approver, distinctFromPosters: Bool = true) {
        self.count = count
        self.role = role
        self.distinctFromPosters = distinctFromPosters
    }
}

/// The digest must already be cleared in other environments.
public struct PromotionRule: Sendable, Equatable {
    /// Environments that must clear the digest first.
    public var requireClearedIn: [String]

    /// Memberwise.
    public init(requireClearedIn: [String]) {
        self.requireClearedIn = requireClearedIn
    }
}
