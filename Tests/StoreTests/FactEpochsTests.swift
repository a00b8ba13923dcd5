import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

/// Every write that can change a decision or an authentication moves a fact epoch (that is what makes a
/// cached answer safe); writes that cannot, do not (so ingest for one digest keeps others cached).
@Suite struct FactEpochsTests {
    enum Expect { case global, digest, authentication, neither }

    static let digest = try! Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))
    static let other = try! Digest(parsing: "sha256:" + String(repeating: "cd", count: 32))

    @Test func writesMoveTheEpochsOfWhatTheyChange() async throws {
        let directory = try TemporaryDirectory("epochs")
        defer { directory.remove() }
        let database = try Database(path: directory.file("db.sqlite"))
        _ = try await Migrator.migrate(database, migrations: Schema.migrations)
        let now = Date()
        let later = now.addingTimeInterval(3600)
        let digest = Self.digest
        let config = ImageConfigFacts(
            user: "1000", runsAsRoot: false, nonNumericUser: false, exposedPorts: [], envNames: [], secretEnv: [], labels: [:], entrypoint: [],
            cmd: [], hasHealthcheck: false)
        let cases: [(String, Expect, @Sendable (SQLiteConnection) throws -> Void)] = [
            ("policy", .global, { db in _ = try PolicyStore.put(environment: "production", document: Array("{}".utf8), by: "u", at: now, in: db) }),
            ("blob", .neither, { db in try EvidenceStore.putBlob(sha256: "b1", mediaType: "x", bytes: [1], withheldReason: nil, at: now, in: db) }),
            ("scan", .digest, { db in
                let report = ScanReport(format: .trivy, scanner: "trivy", scannedAt: now, findings: [
                    Finding(id: "CVE-1", package: "p", installedVersion: "1", fixedVersion: nil, severity: .low)
                ])
                try EvidenceStore.insertScan(report, id: "s1", digest: digest, blobSHA256: "b1", attestationID: nil, postedBy: "ci", receivedAt: now, in: db)
            }),
            ("config", .digest, { db in try EvidenceStore.insertConfig(config, id: "c1", digest: digest, source: "config", postedBy: "ci", at: later, in: db) }),
            ("approval", .digest, { db in
                try DecisionStore.insert(
                    Approval(id: "a1", digest: digest, environment: "production", verdict: .approve, user: "u", role: .approver, comment: "", at: now), in: db)
            }),
            ("digest waiver", .digest, { db in
                try DecisionStore.insert(
                    Waiver(id: "w1", vulnerability: "CVE-1", digest: digest, repositoryPattern: nil, environment: nil, justification: "j", createdBy: "u",
                        createdAt: now, expiresAt: later), in: db)
            }),
            ("repository waiver", .global, { db in
                try DecisionStore.insert(
                    Waiver(id: "w2", vulnerability: "CVE-1", digest: nil, repositoryPattern: "example.com/*", environment: nil, justification: "j",
                        createdBy: "u", createdAt: now, expiresAt: later), in: db)
            }),
            ("break-glass", .digest, { db in
                try DecisionStore.insert(
                    BreakGlass(id: "g1", digest: digest, environment: "production", justification: "j", createdBy: "u", createdAt: now, expiresAt: later),
                    in: db)
            }),
            ("break-glass confirmed", .digest, { db in try DecisionStore.confirmBreakGlass(id: "g1", by: "v", at: now, in: db) }),
            ("receipt key", .global, { db in try ReceiptKeyStore.insert(kid: "k1", privateKeyPEM: "pem", at: now, in: db) }),
            ("receipt keys retired", .global, { db in try ReceiptKeyStore.retireAll(at: now, in: db) }),
            ("user", .authentication, { db in try UserStore.insert(User(name: "u", role: .approver, passwordHash: "h", createdAt: now, passwordChangedAt: now), in: db) }),
            ("password", .authentication, { db in try UserStore.setPasswordHash("h2", for: "u", at: now, in: db) }),
            ("token revoked", .authentication, { db in try db.execute("UPDATE api_tokens SET revoked_at = 'x'") ; try db.execute("INSERT INTO api_tokens (id, name, token_hash, scopes, created_by, created_at) VALUES ('t', 't', 'h', '', 'u', 'x')") }),
            ("key revoked", .global, { db in try db.execute("UPDATE trusted_keys SET revoked_at = 'x'"); try db.execute("INSERT INTO trusted_keys (id, name, algorithm, bits, public_key_pem, predicate_types, builder_ids, subject_patterns, created_by, created_at) VALUES ('k', 'k', 'ed25519', 256, 'p', '[]', '[]', '[]', 'u', 'x')") }),
            ("evidence edited by hand", .global, { db in try db.execute("UPDATE scans SET critical = 0") }),
            ("deployment", .neither, { db in
                try db.execute(
                    "INSERT INTO deployments (id, digest, environment, target, reported_by, reported_at) VALUES ('d1', ?, 'production', 't', 'u', 'x')",
                    [digest.rawValue])
            }),
        ]
        for (label, expected, write) in cases {
            let before = try await Self.epochs(database)
            try await database.write(write)
            let after = try await Self.epochs(database)
            switch expected {
            case .global:
                #expect(after.global > before.global, "\(label) must move the global epoch")
                #expect(after.authentication == before.authentication, "\(label) changes no authentication")
            case .digest:
                #expect(after.digest > before.digest, "\(label) must move its digest's epoch")
                #expect(after.global == before.global, "\(label) must leave other digests cached")
            case .authentication:
                #expect(after.authentication > before.authentication, "\(label) must move the authentication epoch")
                #expect(after.global == before.global && after.digest == before.digest, "\(label) changes no decision")
            case .neither:
                #expect(after == before, "\(label) changes no decision")
            }
            #expect(after.other == 0, "\(label) must not touch another digest")
        }
        await database.close()
    }

    struct Snapshot: Equatable {
        let global: Int64
        let digest: Int64
        let other: Int64
        let authentication: Int64
    }

    static func epochs(_ database: Database) async throws -> Snapshot {
        try await database.read { db in
            let mine = try FactEpochs.read(digest: digest, in: db)
            return Snapshot(
                global: mine.global, digest: mine.digest, other: try FactEpochs.read(digest: other, in: db).digest,
                authentication: try FactEpochs.authentication(in: db))
        }
    }
}
