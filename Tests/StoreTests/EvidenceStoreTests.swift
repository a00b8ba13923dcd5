import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

/// What decisions read back of the evidence stored for a digest.
@Suite struct EvidenceStoreTests {
    /// An attestation's keys (revoked ones marked) and the names it gives the digest come back exactly, in byte order.
    @Test func attestationKeysAndSubjectNamesAreReadBack() async throws {
        let directory = try TemporaryDirectory("attestation-read")
        defer { directory.remove() }
        let database = try Database(path: directory.file("db.sqlite"))
        _ = try await Migrator.migrate(database, migrations: Schema.migrations)
        let digest = try Digest(parsing: "sha256:" + String(repeating: "ef", count: 32))
        let now = Date(timeIntervalSince1970: 1_767_000_000)
        let names = ["registry.example.com/b,c:d", "registry.example.com/a", "ünïcode/ñame", "_"]
        let keyNames = ["zeta,key:1", "alpha"]
        try await database.write { db in
            for (index, name) in keyNames.enumerated() {
                try KeyStore.insert(
                    TrustedKey(
                        id: "key\(index)", name: name, algorithm: .ecdsaP256, bits: 256, publicKeyPEM: "pem", predicateTypes: [], builderIDs: [],
                        subjectPatterns: [], createdBy: "t", createdAt: now, revokedAt: index == 0 ? now : nil), in: db)
            }
            try EvidenceStore.putBlob(sha256: "blob", mediaType: "x", bytes: [1], withheldReason: nil, at: now, in: db)
            let attestation = VerifiedAttestation(
                id: "att1", payloadType: "application/vnd.in-toto+json", statementType: "https://in-toto.io/Statement/v1",
                predicateType: "https://slsa.dev/provenance/v1", subjects: names.map { Subject(name: $0, digest: digest) },
                verifiedKeyIDs: ["key0", "key1"],
                predicate: .provenance(
                    ProvenanceSummary(
                        slsaVersion: "v1", builderID: "b", buildType: nil, sourceRepository: nil, sourceCommit: nil, invocationID: nil, startedOn: nil,
                        finishedOn: nil)),
                envelope: [1])
            try EvidenceStore.insertAttestation(AttestationRow(attestation, blobSHA256: "blob"), postedBy: "ci", at: now, in: db)
        }
        let evidence = try #require(try await database.read { try EvidenceStore.evidence(for: digest, in: $0) })
        let record = try #require(evidence.attestations.first)
        #expect(evidence.attestations.count == 1)
        #expect(record.subjectNames == ["registry.example.com/a", "registry.example.com/b,c:d", "ünïcode/ñame"])
        #expect(record.keys == [KeyReference(id: "key1", name: "alpha", active: true), KeyReference(id: "key0", name: "zeta,key:1", active: false)])
        // The ingest write keeps only attestations whose verifying key is still active: revoked and unknown ids are not.
        let active = try await database.read { try KeyStore.activeIDs(among: ["key0", "key1", "nokey"], in: $0) }
        #expect(active == ["key1"])
        await database.close()
    }
}
