#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain
import Policy

/// Builders for decision inputs: a fixed `now`, two trusted keys, and evidence that by default satisfies nothing.
enum Fixture {
    static let digest = makeDigest("a")
    static let otherDigest = makeDigest("b")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let provenanceV1 = "https://slsa.dev/provenance/v1"
    static let provenanceV02 = "https://slsa.dev/provenance/v0.2"
    static let builder = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0"
    static let source = "https://github.com/acme/api"
    static let repository = "registry.example.com/team/api"

    static let ciSigner = KeyReference(id: "1111", name: "ci-signer", active: true)
    static let releaseSigner = KeyReference(id: "2222", name: "release", active: true)
    static let revokedSigner = KeyReference(id: "3333", name: "old-ci", active: false)
    static let activeKeys = ["1111": "ci-signer", "2222": "release"]

    static func makeDigest(_ hexCharacter: Character) -> Digest {
        guard let digest = try? Digest(parsing: "sha256:" + String(repeating: hexCharacter, count: 64)) else {
            preconditionFailure("fixture digest")
        }
        return digest
    }

    static func hoursAgo(_ hours: Double) -> Date { now.addingTimeInterval(-hours * 3600) }
    static func hoursAhead(_ hours: Double) -> Date { now.addingTimeInterval(hours * 3600) }

    static func attestation(
        id: String = "att-1", type: String = provenanceV1, keys: [KeyReference] = [ciSigner], builder: String? = builder,
        source: String? = source, postedBy: String = "ci", receivedAt: Date = hoursAgo(2), subjectNames: [String] = [repository]
    ) -> AttestationRecord {
        let provenance = builder.map {
            ProvenanceSummary(
                slsaVersion: "v1", builderID: $0, buildType: nil, sourceRepository: source, sourceCommit: nil, invocationID: nil, startedOn: nil,
                finishedOn: nil)
        }
        return AttestationRecord(
            id: id, predicateType: type, predicateKind: provenance == nil ? "opaque" : "provenance", provenance: provenance, keys: keys,
            postedBy: postedBy, receivedAt: receivedAt, subjectNames: subjectNames)
    }

    static func counts(_ values: [Severity: Int]) -> SeverityCounts {
        var counts = SeverityCounts()
        for (severity, value) in values { counts[severity] = value }
        return counts
    }

    static func scan(
        id: String = "scan-1", scanner: String = "trivy", scannedAt: Date = hoursAgo(1), receivedAt: Date? = nil,
        counts: [Severity: Int] = [:], fixable: [Severity: Int]? = nil, secrets: Int = 0, attestationID: String? = nil,
        postedBy: String = "ci"
    ) -> ScanRecord {
        ScanRecord(
            id: id, format: .trivy, scanner: scanner, scannerVersion: "0.50.0", scannedAt: scannedAt, receivedAt: receivedAt ?? scannedAt,
            counts: Self.counts(counts), fixableCounts: Self.counts(fixable ?? counts), secrets: secrets, attestationID: attestationID,
            postedBy: postedBy)
    }

    static func sbom(postedBy: String = "ci") -> SBOMRecord {
        SBOMRecord(
            id: "sbom-1", format: .cyclonedx, specVersion: "1.5", componentCount: 42, topLevel: [], attestationID: nil, postedBy: postedBy,
            receivedAt: hoursAgo(1))
    }

    static func config(
        id: String = "cfg-1", user: String = "1000", runsAsRoot: Bool = false, nonNumericUser: Bool = false, ports: [String] = [],
        secretEnv: [String] = [], healthcheck: Bool = false, postedBy: String = "ci", receivedAt: Date = hoursAgo(1)
    ) -> ConfigRecord {
        let facts = ImageConfigFacts(
            user: user, runsAsRoot: runsAsRoot, nonNumericUser: nonNumericUser, exposedPorts: ports, envNames: secretEnv + ["PATH"],
            secretEnv: secretEnv, labels: [:], entrypoint: ["/app"], cmd: [], hasHealthcheck: healthcheck)
        return ConfigRecord(id: id, source: "config", facts: facts, postedBy: postedBy, receivedAt: receivedAt)
    }

    static func evidence(
        attestations: [AttestationRecord] = [], scans: [ScanRecord] = [], sboms: [SBOMRecord] = [], configs: [ConfigRecord] = [],
        names: [String] = [repository], digest: Digest = digest
    ) -> ImageEvidence {
        ImageEvidence(
            digest: digest, names: names, aliases: [], firstSeenAt: hoursAgo(10), lastEvidenceAt: hoursAgo(1), attestations: attestations,
            scans: scans, sboms: sboms, configs: configs)
    }

    static func approval(
        _ user: String, _ verdict: Approval.Verdict = .approve, role: Role = .approver, at: Date = hoursAgo(1), comment: String = "",
        environment: String = "production", digest: Digest = digest, id: String? = nil
    ) -> Approval {
        Approval(
            id: id ?? "\(user)-\(verdict.rawValue)-\(at.timeIntervalSince1970)", digest: digest, environment: environment, verdict: verdict,
            user: user, role: role, comment: comment, at: at)
    }

    static func waiver(
        _ vulnerability: String, digest: Digest? = digest, pattern: String? = nil, environment: String? = nil, expiresAt: Date = hoursAhead(24)
    ) -> Waiver {
        Waiver(
            id: "w-\(vulnerability)-\(expiresAt.timeIntervalSince1970)", vulnerability: vulnerability, digest: digest, repositoryPattern: pattern,
            environment: environment, justification: "not reachable", createdBy: "alice", createdAt: hoursAgo(5), expiresAt: expiresAt)
    }

    static func finding(_ id: String, _ severity: Severity, fixed: String? = nil, package: String = "openssl") -> Finding {
        Finding(id: id, package: package, installedVersion: "1.0", fixedVersion: fixed, severity: severity)
    }

    static func breakGlass(expiresAt: Date = hoursAhead(4), confirmedBy: String? = nil, environment: String = "production") -> BreakGlass {
        BreakGlass(
            id: "bg-1", digest: digest, environment: environment, justification: "prod outage INC-42", createdBy: "root-admin",
            createdAt: hoursAgo(1), expiresAt: expiresAt, confirmedBy: confirmedBy, confirmedAt: confirmedBy.map { _ in hoursAgo(0.5) })
    }

    static func input(
        _ policy: EnvironmentPolicy, evidence: ImageEvidence? = evidence(), environment: String = "production",
        waivableFindings: [String: [Finding]] = [:], approvals: [Approval] = [], waivers: [Waiver] = [], breakGlass: BreakGlass? = nil,
        clearedIn: [String: Bool] = [:], activeKeys: [String: String] = activeKeys, now: Date = now
    ) -> PolicyInput {
        PolicyInput(
            digest: digest, environment: environment, policy: policy, policyVersion: 7, evidence: evidence, waivableFindings: waivableFindings,
            approvals: approvals, waivers: waivers, breakGlass: breakGlass, clearedIn: clearedIn, activeKeys: activeKeys, now: now)
    }

    /// The reasons of one rule, in order.
    static func reasons(_ decision: Decision, _ rule: String) -> [DecisionReason] {
        decision.reasons.filter { $0.rule == rule }
    }
}
