import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Evidence about digests: images, raw blobs, attestations, scans, SBOMs and config facts.
/// Every insert is idempotent on its id (re-posting the same document changes nothing) and runs
/// inside the caller's write, so one ingest is one transaction.
public enum EvidenceStore {
    /// Records that evidence about `digest` arrived, with the names and aliases it was seen under.
    public static func touchImage(_ digest: Digest, names: [String] = [], aliases: [String] = [], at date: Date, in db: SQLiteConnection) throws {
        let now = Timestamp.format(date)
        try db.execute(
            "INSERT INTO images (digest, first_seen_at, last_evidence_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE SET last_evidence_at = excluded.last_evidence_at",
            [digest.rawValue, now, now])
        for name in Set(names) where !name.isEmpty {
            try db.execute("INSERT INTO image_names (digest, name) VALUES (?, ?) ON CONFLICT DO NOTHING", [digest.rawValue, name])
        }
        for alias in Set(aliases) where !alias.isEmpty && alias != digest.rawValue {
            try db.execute("INSERT INTO image_aliases (digest, alias) VALUES (?, ?) ON CONFLICT DO NOTHING", [digest.rawValue, alias])
        }
    }

    /// Keeps raw bytes by their SHA-256; with a `withheldReason` only the hash and size are kept.
    public static func putBlob(
        sha256: String, mediaType: String, bytes: [UInt8], withheldReason: String?, at date: Date, in db: SQLiteConnection
    ) throws {
        try db.execute(
            "INSERT INTO evidence_blobs (sha256, media_type, size, content, withheld_reason, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [sha256, mediaType, bytes.count, withheldReason == nil ? bytes : nil as [UInt8]?, withheldReason, Timestamp.format(date)])
    }

    /// A raw blob: media type and content (nil when withheld), or nil when unknown.
    public static func blob(sha256: String, in db: SQLiteConnection) throws -> (mediaType: String, content: [UInt8]?, withheldReason: String?)? {
        guard let row = try db.queryOne("SELECT media_type, content, withheld_reason FROM evidence_blobs WHERE sha256 = ?", [sha256]),
            let mediaType = row.string(0)
        else { return nil }
        return (mediaType, row.blob(1), row.string(2))
    }

    /// Stores a verified attestation with its subjects and verifying keys; false when it was stored already.
    @discardableResult
    public static func insertAttestation(_ row: AttestationRow, postedBy: String, at date: Date, in db: SQLiteConnection) throws -> Bool {
        let attestation = row.attestation
        guard try db.queryOne("SELECT 1 FROM attestations WHERE id = ?", [attestation.id]) == nil else { return false }
        let (blobSHA256, kind, provenance) = (row.blobSHA256, row.predicateKind, row.provenance)
        try db.execute(
            """
            INSERT INTO attestations (id, blob_sha256, payload_type, statement_type, predicate_type, predicate_kind, provenance, posted_by, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                attestation.id, blobSHA256, attestation.payloadType, attestation.statementType, attestation.predicateType, kind, provenance,
                postedBy, Timestamp.format(date),
            ])
        for subject in attestation.subjects {
            try touchImage(subject.digest, names: [subject.name].filter { $0 != "_" }, at: date, in: db)
            try db.execute(
                "INSERT INTO attestation_subjects (attestation_id, digest, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [attestation.id, subject.digest.rawValue, subject.name])
        }
        for keyID in Set(attestation.verifiedKeyIDs) {
            try db.execute("INSERT INTO attestation_keys (attestation_id, key_id) VALUES (?, ?)", [attestation.id, keyID])
        }
        return true
    }

    /// Stores a scan with its findings, secrets and counts; false when that id exists already.
    @discardableResult
    public static func insertScan(
        _ report: ScanReport, id: String, digest: Digest, blobSHA256: String, attestationID: String?, postedBy: String, receivedAt: Date,
        in db: SQLiteConnection
    ) throws -> Bool {
        guard try db.queryOne("SELECT 1 FROM scans WHERE id = ?", [id]) == nil else { return false }
        try touchImage(digest, names: report.repositories, aliases: report.aliases, at: receivedAt, in: db)
        let counts = report.counts
        let fixable = SeverityCounts(counting: report.findings.filter(\.isFixable).map(\.severity))
        try db.execute(
            """
            INSERT INTO scans (id, digest, blob_sha256, format, scanner, scanner_version, scanned_at, received_at,
                critical, high, medium, low, unknown, fixable_critical, fixable_high, fixable_medium, fixable_low, fixable_unknown,
                secrets, attestation_id, posted_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                id, digest.rawValue, blobSHA256, report.format.rawValue, report.scanner, report.scannerVersion,
                Timestamp.format(report.scannedAt ?? receivedAt), Timestamp.format(receivedAt), counts[.critical], counts[.high],
                counts[.medium], counts[.low], counts[.unknown], fixable[.critical], fixable[.high], fixable[.medium], fixable[.low],
                fixable[.unknown], report.secrets.count, attestationID, postedBy,
            ])
        for finding in report.findings {
            try db.execute(
                """
                INSERT INTO scan_findings (scan_id, vulnerability_id, package, installed_version, fixed_version, severity, status, title, url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
                [
                    id, finding.id, finding.package, finding.installedVersion, finding.fixedVersion, finding.severity.rawValue, finding.status,
                    finding.title, finding.url,
                ])
        }
        for (ordinal, secret) in report.secrets.enumerated() {
            try db.execute(
                "INSERT INTO scan_secrets (scan_id, ordinal, rule_id, title, severity, location) VALUES (?, ?, ?, ?, ?, ?)",
                [id, ordinal, secret.ruleID, secret.title, secret.severity.rawValue, secret.location])
        }
        return true
    }

    /// Stores an SBOM summary; false when that id exists already.
    @discardableResult
    public static func insertSBOM(
        _ sbom: SBOMSummary, id: String, digest: Digest, blobSHA256: String, attestationID: String?, postedBy: String, at date: Date,
        in db: SQLiteConnection
    ) throws -> Bool {
        guard try db.queryOne("SELECT 1 FROM sboms WHERE id = ?", [id]) == nil else { return false }
        try touchImage(digest, at: date, in: db)
        try db.execute(
            """
            INSERT INTO sboms (id, digest, blob_sha256, format, spec_version, component_count, top_level, attestation_id, posted_by, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                id, digest.rawValue, blobSHA256, sbom.format.rawValue, sbom.specVersion, sbom.componentCount, try JSONColumn.encode(sbom.topLevel),
                attestationID, postedBy, Timestamp.format(date),
            ])
        return true
    }

    /// Stores image-config facts; false when that id exists already.
    @discardableResult
    public static func insertConfig(
        _ facts: ImageConfigFacts, id: String, digest: Digest, source: String, postedBy: String, at date: Date, in db: SQLiteConnection
    ) throws -> Bool {
        guard try db.queryOne("SELECT 1 FROM image_configs WHERE id = ?", [id]) == nil else { return false }
        try touchImage(digest, at: date, in: db)
        try db.execute(
            "INSERT INTO image_configs (id, digest, source, facts, posted_by, received_at) VALUES (?, ?, ?, ?, ?, ?)",
            [id, digest.rawValue, source, try JSONColumn.encode(facts), postedBy, Timestamp.format(date)])
        return true
    }

    /// One row of the image list.
    public struct ImageListItem: Sendable, Equatable {
        public let digest: Digest
        public let names: [String]
        public let firstSeenAt: Date
        public let lastEvidenceAt: Date
    }

    /// Images with evidence, most recent evidence first, `limit` at a time after the cursor `(lastEvidenceAt, digest)`.
    public static func images(before cursor: (at: String, digest: String)?, limit: Int, in db: SQLiteConnection) throws -> [ImageListItem] {
        let rows: [Row]
        if let cursor {
            rows = try db.query(
                """
                SELECT digest, first_seen_at, last_evidence_at FROM images
                WHERE last_evidence_at < ? OR (last_evidence_at = ? AND digest < ?)
                ORDER BY last_evidence_at DESC, digest DESC LIMIT ?
                """, [cursor.at, cursor.at, cursor.digest, limit])
        } else {
            rows = try db.query("SELECT digest, first_seen_at, last_evidence_at FROM images ORDER BY last_evidence_at DESC, digest DESC LIMIT ?", [limit])
        }
        return try rows.map { row in
            guard let text = row.string(0), let digest = try? Digest(parsing: text), let first = row.string(1).flatMap(Timestamp.parse),
                let last = row.string(2).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable images row") }
            let names = try db.query("SELECT name FROM image_names WHERE digest = ? ORDER BY name", [text]).compactMap { $0.string(0) }
            return ImageListItem(digest: digest, names: names, firstSeenAt: first, lastEvidenceAt: last)
        }
    }

    /// Everything known about `digest`, or nil when nothing was ever posted about it.
    public static func evidence(for digest: Digest, in db: SQLiteConnection) throws -> ImageEvidence? {
        let key = digest.rawValue
        guard let image = try db.queryOne("SELECT first_seen_at, last_evidence_at FROM images WHERE digest = ?", [key]),
            let first = image.string(0).flatMap(Timestamp.parse), let last = image.string(1).flatMap(Timestamp.parse)
        else { return nil }
        let names = try db.query("SELECT name FROM image_names WHERE digest = ? ORDER BY name", [key]).compactMap { $0.string(0) }
        let aliases = try db.query("SELECT alias FROM image_aliases WHERE digest = ? ORDER BY alias", [key]).compactMap { $0.string(0) }
        return ImageEvidence(
            digest: digest, names: names, aliases: aliases, firstSeenAt: first, lastEvidenceAt: last,
            attestations: try attestations(for: key, in: db), scans: try scans(for: key, in: db), sboms: try sboms(for: key, in: db),
            configs: try configs(for: key, in: db))
    }

    /// Every attestation about `digest` with its verifying keys and the names it gives the digest: three queries
    /// whatever the number of attestations.
    private static func attestations(for digest: String, in db: SQLiteConnection) throws -> [AttestationRecord] {
        let rows = try db.query(
            """
            SELECT id, predicate_type, predicate_kind, provenance, posted_by, received_at FROM attestations
            WHERE id IN (SELECT attestation_id FROM attestation_subjects WHERE digest = ?) ORDER BY received_at, id
            """, [digest])
        guard !rows.isEmpty else { return [] }
        var keys: [String: [KeyReference]] = [:]
        for row in try db.query(
            """
            SELECT ak.attestation_id, k.id, k.name, k.revoked_at IS NULL FROM attestation_keys ak JOIN trusted_keys k ON k.id = ak.key_id
            WHERE ak.attestation_id IN (SELECT attestation_id FROM attestation_subjects WHERE digest = ?) ORDER BY k.name, k.id
            """, [digest])
        {
            guard let attestation = row.string(0), let id = row.string(1), let name = row.string(2) else {
                throw StoreError.invalid("unreadable attestation_keys row")
            }
            keys[attestation, default: []].append(KeyReference(id: id, name: name, active: row.int(3) == 1))
        }
        var names: [String: [String]] = [:]
        for row in try db.query(
            "SELECT attestation_id, name FROM attestation_subjects WHERE digest = ? AND name <> '_' ORDER BY name", [digest])
        {
            guard let attestation = row.string(0), let name = row.string(1) else { throw StoreError.invalid("unreadable attestation_subjects row") }
            names[attestation, default: []].append(name)
        }
        return try rows.map { row in
            guard let id = row.string(0), let type = row.string(1), let kind = row.string(2), let postedBy = row.string(4),
                let received = row.string(5).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable attestations row") }
            let provenance = try row.string(3).map { try JSONColumn.provenance(from: $0, column: "attestations.provenance") }
            return AttestationRecord(
                id: id, predicateType: type, predicateKind: kind, provenance: provenance, keys: keys[id] ?? [], postedBy: postedBy,
                receivedAt: received, subjectNames: names[id] ?? [])
        }
    }

    private static func scans(for digest: String, in db: SQLiteConnection) throws -> [ScanRecord] {
        try db.query(
            """
            SELECT id, format, scanner, scanner_version, scanned_at, received_at, critical, high, medium, low, unknown,
                fixable_critical, fixable_high, fixable_medium, fixable_low, fixable_unknown, secrets, attestation_id, posted_by
            FROM scans WHERE digest = ? ORDER BY scanned_at DESC, id
            """, [digest]
        ).map { row in
            guard let id = row.string(0), let format = row.string(1).flatMap(ScanFormat.init(rawValue:)), let scanner = row.string(2),
                let scanned = row.string(4).flatMap(Timestamp.parse), let received = row.string(5).flatMap(Timestamp.parse),
                let postedBy = row.string(18)
            else { throw StoreError.invalid("unreadable scans row") }
            var counts = SeverityCounts()
            var fixable = SeverityCounts()
            for (index, severity) in [Severity.critical, .high, .medium, .low, .unknown].enumerated() {
                counts[severity] = row.int(6 + index) ?? 0
                fixable[severity] = row.int(11 + index) ?? 0
            }
            return ScanRecord(
                id: id, format: format, scanner: scanner, scannerVersion: row.string(3), scannedAt: scanned, receivedAt: received, counts: counts,
                fixableCounts: fixable, secrets: row.int(16) ?? 0, attestationID: row.string(17), postedBy: postedBy)
        }
    }

    private static func sboms(for digest: String, in db: SQLiteConnection) throws -> [SBOMRecord] {
        try db.query(
            """
            SELECT id, format, spec_version, component_count, top_level, attestation_id, posted_by, received_at
            FROM sboms WHERE digest = ? ORDER BY received_at DESC, id
            """, [digest]
        ).map { row in
            guard let id = row.string(0), let format = row.string(1).flatMap(SBOMFormat.init(rawValue:)), let spec = row.string(2),
                let count = row.int(3), let postedBy = row.string(6), let received = row.string(7).flatMap(Timestamp.parse)
            else { throw StoreError.invalid("unreadable sboms row") }
            return SBOMRecord(
                id: id, format: format, specVersion: spec, componentCount: count,
                topLevel: try JSONColumn.sbomComponents(from: row.string(4), column: "sboms.top_level"), attestationID: row.string(5),
                postedBy: postedBy, receivedAt: received)
        }
    }

    private static func configs(for digest: String, in db: SQLiteConnection) throws -> [ConfigRecord] {
        try db.query("SELECT id, source, facts, posted_by, received_at FROM image_configs WHERE digest = ? ORDER BY received_at DESC, id", [digest])
            .map { row in
                guard let id = row.string(0), let source = row.string(1), let postedBy = row.string(3),
                    let received = row.string(4).flatMap(Timestamp.parse)
                else { throw StoreError.invalid("unreadable image_configs row") }
                return ConfigRecord(
                    id: id, source: source, facts: try JSONColumn.imageConfigFacts(from: row.string(2), column: "image_configs.facts"),
                    postedBy: postedBy, receivedAt: received)
            }
    }
}
