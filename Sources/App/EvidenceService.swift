import Crypto
import Domain
import Evidence
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Evidence ingest: trusted keys, attestations, scans, SBOMs and image configs. Each ingest is one
/// transaction with its audit entry; every refusal is audited too, never with the payload.
public struct EvidenceService: Sendable {
    let database: Database
    let keyRing: KeyRing
    let clock: @Sendable () -> Date

    /// The service over `database`, with its own key cache.
    public init(database: Database, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(database: database, keyRing: KeyRing(), clock: clock)
    }

    init(database: Database, keyRing: KeyRing, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.keyRing = keyRing
        self.clock = clock
    }

    // MARK: Trusted keys

    /// Registers a public key with its restrictions.
    public func addKey(
        name: String, pem: String, predicateTypes: [String], builderIDs: [String], subjectPatterns: [String], actor: String
    ) async throws -> TrustedKey {
        try Accounts.validateName(name, what: "key")
        guard pem.utf8.count <= 16 * 1024 else { throw APIError.invalid("publicKey is larger than 16 KiB") }
        for list in [predicateTypes, builderIDs, subjectPatterns] {
            guard list.count <= 64, list.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 512 }) else {
                throw APIError.invalid("restriction lists hold at most 64 non-empty entries of at most 512 bytes")
            }
        }
        let publicKey: PublicKey
        do {
            publicKey = try PublicKey(pemEncoded: pem)
        } catch {
            throw APIError.invalid("publicKey: \(error.reason)")
        }
        let (algorithm, bits): (KeyAlgorithm, Int) =
            switch publicKey.algorithm {
            case .ecdsaP256: (.ecdsaP256, 256)
            case .ecdsaP384: (.ecdsaP384, 384)
            case .ed25519: (.ed25519, 256)
            case .rsa(let bits): (.rsa, bits)
            }
        let now = clock()
        let key = TrustedKey(
            id: publicKey.id, name: name, algorithm: algorithm, bits: bits, publicKeyPEM: publicKey.pemEncoded,
            predicateTypes: predicateTypes, builderIDs: builderIDs, subjectPatterns: subjectPatterns, createdBy: actor, createdAt: now,
            revokedAt: nil)
        try await database.write { db in
            try KeyStore.insert(key, in: db)
            try AuditLog.append(
                actor: actor, action: "key.add", subject: "key:" + key.id, details: ["name": name, "algorithm": algorithm.rawValue], at: now,
                in: db)
        }
        return key
    }

    /// Revokes a key: every later verification and decision ignores it.
    public func revokeKey(id: String, actor: String) async throws {
        let now = clock()
        try await database.write { db in
            if try KeyStore.revoke(id: id, at: now, in: db) {
                try AuditLog.append(actor: actor, action: "key.revoke", subject: "key:" + id, at: now, in: db)
            }
        }
    }

    /// Every key, by name.
    public func keys() async throws -> [TrustedKey] {
        try await database.read { db in try KeyStore.all(in: db) }
    }

    // MARK: Attestations

    /// The outcome of posting envelopes: each stored (or already known) attestation.
    struct AttestationOutcome: Sendable {
        let attestation: VerifiedAttestation
        let created: Bool
    }

    /// Verifies every envelope in `body`; stores all of them in one transaction, or none (422 with reasons).
    func ingestAttestations(_ body: [UInt8], actor: String) async throws -> [AttestationOutcome] {
        let envelopes = try await refusingOnError(actor: actor, action: "attestation.refuse", subject: "attestation") {
            try DSSE.parseEnvelopes(body)
        }
        let keyRing = self.keyRing
        let now = clock()
        // Verify against the key set as committed now; the write below re-checks nothing was revoked meanwhile.
        let keys = try await database.read { db in try keyRing.activeKeys(in: db) }
        let verifier = AttestationVerifier(keys: keys)
        var verified: [VerifiedAttestation] = []
        var reasons: [String] = []
        for (index, envelope) in envelopes.enumerated() {
            switch verifier.verify(envelope) {
            case .verified(let attestation): verified.append(attestation)
            case .rejected(let why):
                let prefix = envelopes.count > 1 ? "envelope \(index + 1): " : ""
                reasons += why.map { prefix + $0 }
            }
        }
        guard reasons.isEmpty else {
            try await audit(actor: actor, action: "attestation.refuse", subject: "attestation", details: ["reasons": reasons.joined(separator: "; ")])
            throw APIError(.unprocessableContent, "not_verified", reasons.joined(separator: "; "))
        }
        // Hashing and encoding happen here, in parallel with other requests, not in the single writer.
        let rows = verified.map { AttestationRow($0, blobSHA256: SHA256.hexDigest($0.envelope)) }
        let verifyingKeys = Set(rows.flatMap(\.attestation.verifiedKeyIDs))
        return try await database.write { db in
            // A key revoked between verification and this write must not count.
            let activeNow = try KeyStore.activeIDs(among: verifyingKeys, in: db)
            var outcomes: [AttestationOutcome] = []
            for row in rows {
                let (attestation, blob) = (row.attestation, row.blobSHA256)
                guard attestation.verifiedKeyIDs.contains(where: activeNow.contains) else {
                    throw APIError(.unprocessableContent, "not_verified", "the verifying key was revoked during the request")
                }
                try EvidenceStore.putBlob(
                    sha256: blob, mediaType: "application/vnd.dsse.envelope.v1+json", bytes: attestation.envelope,
                    withheldReason: Self.withheldReason(attestation.predicate), at: now, in: db)
                let created = try EvidenceStore.insertAttestation(row, postedBy: actor, at: now, in: db)
                if created {
                    try storeSignedContent(attestation, blob: blob, actor: actor, at: now, in: db)
                    try AuditLog.append(
                        actor: actor, action: "attestation.add", subject: "attestation:" + attestation.id,
                        details: [
                            "predicateType": attestation.predicateType, "digests": attestation.subjects.map(\.digest.rawValue).joined(separator: " "),
                            "keys": attestation.verifiedKeyIDs.joined(separator: " "),
                        ], at: now, in: db)
                }
                outcomes.append(AttestationOutcome(attestation: attestation, created: created))
            }
            return outcomes
        }
    }

    /// A signed scan or SBOM inside an attestation also lands in the scans / SBOMs of each subject.
    private func storeSignedContent(_ attestation: VerifiedAttestation, blob: String, actor: String, at now: Date, in db: SQLiteConnection) throws {
        for subject in attestation.subjects {
            switch attestation.predicate {
            case .vulnerabilityScan(let report):
                let scanID = SHA256.hexDigest(Array("signed-scan:\(attestation.id):\(subject.digest.rawValue)".utf8))
                try EvidenceStore.insertScan(
                    report, id: scanID, digest: subject.digest, blobSHA256: blob, attestationID: attestation.id, postedBy: actor, receivedAt: now,
                    in: db)
                if let facts = report.imageConfig {
                    try EvidenceStore.insertConfig(
                        facts, id: SHA256.hexDigest(Array("config:\(scanID)".utf8)), digest: subject.digest, source: report.format.rawValue,
                        postedBy: actor, at: now, in: db)
                }
            case .sbom(let sbom):
                let sbomID = SHA256.hexDigest(Array("signed-sbom:\(attestation.id):\(subject.digest.rawValue)".utf8))
                try EvidenceStore.insertSBOM(
                    sbom, id: sbomID, digest: subject.digest, blobSHA256: blob, attestationID: attestation.id, postedBy: actor, at: now, in: db)
            case .provenance, .opaque:
                break
            }
        }
    }

    /// Documents that carry secret findings or image env values keep only their hash.
    private static func withheldReason(_ predicate: PredicateSummary) -> String? {
        if case .vulnerabilityScan(let report) = predicate { return withheldReason(report) }
        return nil
    }

    private static func withheldReason(_ report: ScanReport) -> String? {
        if !report.secrets.isEmpty { return "the report contains secret findings" }
        if let config = report.imageConfig, !config.envNames.isEmpty { return "the report contains image environment values" }
        return nil
    }

    // MARK: Scans

    /// Parses, checks the digest, and stores a scan report; returns the stored scan and whether it is new.
    func ingestScan(_ body: [UInt8], digestParameter: String?, formatParameter: String?, actor: String) async throws -> (
        id: String, digest: Digest, report: ScanReport, created: Bool
    ) {
        let format: ScanFormat?
        if let formatParameter {
            guard let value = ScanFormat(rawValue: formatParameter) else {
                throw APIError.badRequest("format must be trivy, grype or sarif")
            }
            format = value
        } else {
            format = nil
        }
        let requested = try Self.digest(fromParameter: digestParameter)
        let report = try await refusingOnError(actor: actor, action: "scan.refuse", subject: requested.map { "image:" + $0.rawValue } ?? "scan") {
            try ScanParser.parse(body, format: format)
        }
        let digest = try await resolveDigest(
            requested: requested, fromDocument: report.digest, actor: actor, action: "scan.refuse", what: "scan report",
            hint: "scan the image by digest or pass ?digest=sha256:…")
        let blob = SHA256.hexDigest(body)
        let id = SHA256.hexDigest(Array("scan:\(digest.rawValue):\(blob)".utf8))
        let now = clock()
        let created = try await database.write { db in
            try EvidenceStore.putBlob(
                sha256: blob, mediaType: "application/vnd.shipgate.scan.\(report.format.rawValue)+json", bytes: body,
                withheldReason: Self.withheldReason(report), at: now, in: db)
            let created = try EvidenceStore.insertScan(
                report, id: id, digest: digest, blobSHA256: blob, attestationID: nil, postedBy: actor, receivedAt: now, in: db)
            if created {
                if let facts = report.imageConfig {
                    try EvidenceStore.insertConfig(
                        facts, id: SHA256.hexDigest(Array("config:\(id)".utf8)), digest: digest, source: report.format.rawValue, postedBy: actor,
                        at: now, in: db)
                }
                let counts = report.counts
                try AuditLog.append(
                    actor: actor, action: "scan.add", subject: "image:" + digest.rawValue,
                    details: [
                        "scan": id, "scanner": report.scanner,
                        "counts": Severity.allCases.map { "\($0.rawValue)=\(counts[$0])" }.joined(separator: " "),
                        "secrets": String(report.secrets.count),
                    ], at: now, in: db)
            }
            return created
        }
        return (id, digest, report, created)
    }

    // MARK: SBOMs

    /// Parses and stores an SBOM summary.
    func ingestSBOM(_ body: [UInt8], digestParameter: String?, actor: String) async throws -> (id: String, digest: Digest, sbom: SBOMSummary, created: Bool) {
        let requested = try Self.digest(fromParameter: digestParameter)
        let sbom = try await refusingOnError(actor: actor, action: "sbom.refuse", subject: requested.map { "image:" + $0.rawValue } ?? "sbom") {
            try SBOMParser.parse(body)
        }
        let digest = try await resolveDigest(
            requested: requested, fromDocument: sbom.digest, actor: actor, action: "sbom.refuse", what: "SBOM", hint: "pass ?digest=sha256:…")
        let blob = SHA256.hexDigest(body)
        let id = SHA256.hexDigest(Array("sbom:\(digest.rawValue):\(blob)".utf8))
        let now = clock()
        let created = try await database.write { db in
            try EvidenceStore.putBlob(
                sha256: blob, mediaType: "application/vnd.shipgate.sbom.\(sbom.format.rawValue)+json", bytes: body, withheldReason: nil, at: now,
                in: db)
            let created = try EvidenceStore.insertSBOM(sbom, id: id, digest: digest, blobSHA256: blob, attestationID: nil, postedBy: actor, at: now, in: db)
            if created {
                try AuditLog.append(
                    actor: actor, action: "sbom.add", subject: "image:" + digest.rawValue,
                    details: ["sbom": id, "format": sbom.format.rawValue, "components": String(sbom.componentCount)], at: now, in: db)
            }
            return created
        }
        return (id, digest, sbom, created)
    }

    // MARK: Image configs

    /// Parses an OCI image config; keeps only facts (never env values, never the raw bytes).
    func ingestConfig(_ body: [UInt8], digestText: String, actor: String) async throws -> (digest: Digest, facts: ImageConfigFacts, created: Bool) {
        guard let digest = try Self.digest(fromParameter: digestText) else { throw APIError.badRequest("missing digest") }
        let facts = try await refusingOnError(actor: actor, action: "config.refuse", subject: "image:" + digest.rawValue) {
            try ImageConfigParser.parse(body)
        }
        let blob = SHA256.hexDigest(body)
        let id = SHA256.hexDigest(Array("config:\(digest.rawValue):\(blob)".utf8))
        let now = clock()
        let created = try await database.write { db in
            let created = try EvidenceStore.insertConfig(facts, id: id, digest: digest, source: "config", postedBy: actor, at: now, in: db)
            if created {
                try AuditLog.append(
                    actor: actor, action: "config.add", subject: "image:" + digest.rawValue,
                    details: ["config": id, "runsAsRoot": String(facts.runsAsRoot), "secretEnv": facts.secretEnv.joined(separator: " ")], at: now,
                    in: db)
            }
            return created
        }
        return (digest, facts, created)
    }

    // MARK: Helpers

    /// `sha256:…` or `name@sha256:…`; a tag or a malformed value is a 400 that says what to send.
    static func digest(fromParameter text: String?) throws -> Digest? {
        guard let text else { return nil }
        do {
            return try ImageReference(parsing: text).digest
        } catch {
            throw APIError(.badRequest, "bad_digest", error.description)
        }
    }

    private func resolveDigest(requested: Digest?, fromDocument: Digest?, actor: String, action: String, what: String, hint: String) async throws
        -> Digest
    {
        switch (requested, fromDocument) {
        case (let requested?, let named?) where requested != named:
            let message = "the \(what) names \(named.rawValue), not the requested \(requested.rawValue)"
            try await audit(actor: actor, action: action, subject: "image:" + requested.rawValue, details: ["reason": message])
            throw APIError(.unprocessableContent, "digest_mismatch", message)
        case (let requested?, _):
            return requested
        case (nil, let named?):
            return named
        case (nil, nil):
            let message = "the \(what) names no image digest: \(hint)"
            try await audit(actor: actor, action: action, subject: what, details: ["reason": message])
            throw APIError(.unprocessableContent, "no_digest", message)
        }
    }

    /// Runs a parser; its client errors become API errors and are audited as refusals.
    private func refusingOnError<T>(actor: String, action: String, subject: String, _ parse: () throws -> T) async throws -> T {
        do {
            return try parse()
        } catch let error as EvidenceError {
            try await audit(actor: actor, action: action, subject: subject, details: ["reason": error.message])
            throw Self.apiError(error)
        }
    }

    static func apiError(_ error: EvidenceError) -> APIError {
        switch error.kind {
        case .malformed: APIError(.badRequest, "malformed", error.message)
        case .unsupported: APIError(.unsupportedMediaType, "unsupported_format", error.message)
        case .invalid: APIError(.unprocessableContent, "invalid", error.message)
        }
    }

    private func audit(actor: String, action: String, subject: String, details: [String: String]) async throws {
        let now = clock()
        _ = try await database.write { db in
            try AuditLog.append(actor: actor, action: action, subject: subject, details: details, at: now, in: db)
        }
    }
}
