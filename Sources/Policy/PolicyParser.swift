import Domain

/// Parses, validates and encodes policy documents, and provides the ones created on first start.
public enum PolicyParser {
    /// Parses and validates policy JSON; unknown top-level rule, unknown field, bad threshold, unknown environment in promotion → PolicyError.
    public static func parse(_ bytes: [UInt8], environment: String, knownEnvironments: Set<String>) throws(PolicyError) -> EnvironmentPolicy {
        let document = try PolicyJSONParser.parse(bytes)
        return try PolicyReader(environment: environment, knownEnvironments: knownEnvironments).policy(document)
    }

    /// Canonical JSON (sorted keys) of a policy, for storage and GET.
    public static func encode(_ policy: EnvironmentPolicy) -> [UInt8] {
        policy.json.serialized
    }

    /// SLSA provenance, either version.
    public static let provenancePredicateTypes = ["https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2"]

    /// The policies created on first start: "staging" and "production".
    public static func defaults() -> [String: EnvironmentPolicy] {
        let provenance = AttestationRule(predicateTypes: provenancePredicateTypes, minSigners: 1)
        let staging = EnvironmentPolicy(attestations: [provenance], vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0]))
        let production = EnvironmentPolicy(
            attestations: [provenance],
            vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0, .high: 0], scanMaxAgeHours: 168),
            imageConfig: ImageConfigRule(forbidRoot: true),
            approvals: ApprovalRule(count: 1, role: .approver, distinctFromPosters: true),
            promotion: PromotionRule(requireClearedIn: ["staging"]))
        return ["staging": staging, "production": production]
    }
}
