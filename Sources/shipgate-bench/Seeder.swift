import App
import Crypto
import Domain
import Foundation
import SQLite
import Store

/// Fills a database with realistic evidence straight through the store (ingesting a million images over
/// HTTP would take hours): per image a provenance attestation verified against a registered key, a scan
/// with `findings` medium/low findings, a non-root config; every fourth image approved for production.
struct Seeder {
    let database: Database
    let keyID: String
    let findings: Int

    /// The digest of seeded image `index`; the same across runs, so clients can pick random seeded digests.
    static func digest(_ index: Int) -> String {
        "sha256:" + SHA256.hexDigest(Array("bench-image-\(index)".utf8))
    }

    /// Seeds images `0..<count` in transactions of `batch`, printing progress for large counts.
    func seed(count: Int, batch: Int = 2000) async throws {
        let config = ImageConfigFacts(
            user: "10001", runsAsRoot: false, nonNumericUser: false, exposedPorts: ["8080/tcp"], envNames: ["PATH"], secretEnv: [],
            labels: [:], entrypoint: ["/app"], cmd: [], hasHealthcheck: true)
        for start in stride(from: 0, to: count, by: batch) {
            let now = Date()
            try await database.write { db in
                for index in start..<min(start + batch, count) {
                    try seedImage(index, config: config, at: now, in: db)
                }
            }
            if count >= 100_000, (start / batch) % 50 == 49 {
                FileHandle.standardError.write(Data("seeded \(start + batch) of \(count)\n".utf8))
            }
        }
    }

    private func seedImage(_ index: Int, config: ImageConfigFacts, at now: Date, in db: SQLiteConnection) throws {
        let digest = try Digest(parsing: Self.digest(index))
        let blob = SHA256.hexDigest(Array("seed-\(index)".utf8))
        let attestation = VerifiedAttestation(
            id: blob, payloadType: "application/vnd.in-toto+json", statementType: "https://in-toto.io/Statement/v1",
            predicateType: "https://slsa.dev/provenance/v1",
            subjects: [Subject(name: "registry.example.com/bench/app", digest: digest)], verifiedKeyIDs: [keyID],
            predicate: .provenance(
                ProvenanceSummary(
                    slsaVersion: "v1", builderID: "https://example.com/builder", buildType: nil,
                    sourceRepository: "https://example.com/bench/app", sourceCommit: String(blob.prefix(40)), invocationID: nil,
                    startedOn: nil, finishedOn: nil)), envelope: [])
        try EvidenceStore.putBlob(sha256: blob, mediaType: "application/octet-stream", bytes: [], withheldReason: nil, at: now, in: db)
        try EvidenceStore.insertAttestation(AttestationRow(attestation, blobSHA256: blob), postedBy: "ci", at: now, in: db)
        let severities: [Severity] = [.medium, .low, .low, .unknown]
        let report = ScanReport(
            format: .trivy, scanner: "trivy", scannedAt: now,
            findings: (0..<findings).map { finding in
                Finding(
                    id: "CVE-2024-\(10000 + (index + finding) % 5000)", package: "package-\(finding)", installedVersion: "1.\(finding % 7).0",
                    fixedVersion: finding % 3 == 0 ? nil : "1.\(finding % 7).1", severity: severities[finding % severities.count])
            })
        try EvidenceStore.insertScan(
            report, id: "scan-\(index)", digest: digest, blobSHA256: blob, attestationID: nil, postedBy: "ci", receivedAt: now, in: db)
        try EvidenceStore.insertConfig(config, id: "config-\(index)", digest: digest, source: "config", postedBy: "ci", at: now, in: db)
        if index % 4 == 0 {
            try DecisionStore.insert(
                Approval(
                    id: "approval-\(index)", digest: digest, environment: "production", verdict: .approve, user: "ops", role: .approver,
                    comment: "looks good", at: now), in: db)
        }
    }
}
