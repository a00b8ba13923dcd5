@testable import App
import Domain
import Testing

/// Which digests the decision watcher looks at again, from the audit entries since its cursor.
@Suite struct AuditChangesTests {
    static func entry(_ action: String, _ subject: String, _ details: String = "{}") -> AuditEntry {
        AuditEntry(id: 1, at: "2026-11-29T00:00:00.000Z", actor: "ci", action: action, subject: subject, details: details, prevHash: "", hash: "")
    }

    @Test func attestationsNameTheirDigestsInTheirDetails() {
        let changes = AuditChanges([
            Self.entry("attestation.add", "attestation:abc", #"{"digests":"sha256:aa sha256:bb","keys":"k1","predicateType":"p"}"#),
            Self.entry("scan.add", "image:sha256:cc"),
            Self.entry("attestation.add", "attestation:def", "not JSON"),
            Self.entry("scan.refuse", "image:sha256:dd"),
        ])
        #expect(changes.digests == ["sha256:aa", "sha256:bb", "sha256:cc"])
        #expect(!changes.everything && !changes.deployments)
    }

    @Test func policyAndKeyChangesAndRepositoryWaiversMoveEverything() {
        for entry in [Self.entry("policy.put", "environment:qa"), Self.entry("key.revoke", "key:k1"), Self.entry("waiver.add", "repository:acme/*")] {
            #expect(AuditChanges([entry]).everything, "\(entry.action)")
        }
        #expect(AuditChanges([Self.entry("deployment.report", "image:sha256:ee")]).deployments)
    }
}
