#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A stored attestation about a digest, as decisions and pages read it.
public struct AttestationRecord: Sendable, Equatable, Codable {
    public var id: String
    public var predicateType: String
    /// provenance | vulnerabilityScan | sbom | opaque
    public var predicateKind: String
    public var provenance: ProvenanceSummary?
    /// Trusted keys whose signatures verified at ingest, with their names.
    public var keys: [KeyReference]
    public var postedBy: String
    public var receivedAt: Date
    /// The repository names the signed statement gives this digest (its subjects' names).
    public var subjectNames: [String]

    public init(
        id: String, predicateType: String, predicateKind: String, provenance: ProvenanceSummary?, keys: [KeyReference], postedBy: String,
        receivedAt: Date, subjectNames: [String] = []
    ) {
        self.id = id
        self.predicateType = predicateType
        self.predicateKind = predicateKind
        self.provenance = provenance
        self.keys = keys
        self.postedBy = postedBy
        self.receivedAt = receivedAt
        self.subjectNames = subjectNames
    }
}

/// A trusted key as named in evidence: id, name and whether it is still active.
public struct KeyReference: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var active: Bool

    public init(id: String, name: String, active: Bool) {
        self.id = id
        self.name = name
        self.active = active
    }
}

/// A stored scan: counts kept at ingest.
public struct ScanRecord: Sendable, Equatable, Codable {
    public var id: String
    public var format: ScanFormat
    public var scanner: String
    public var scannerVersion: String?
    public var scannedAt: Date
    public var receivedAt: Date
    public var counts: SeverityCounts
    /// Counts of findings that have a fixed version.
    public var fixableCounts: SeverityCounts
    public var secrets: Int
    /// The attestation that carried it, when the scan was signed.
    public var attestationID: String?
    public var postedBy: String

    public init(
        id: String, format: ScanFormat, scanner: String, scannerVersion: String?, scannedAt: Date, receivedAt: Date, counts: SeverityCounts,
        fixableCounts: SeverityCounts, secrets: Int, attestationID: String?, postedBy: String
    ) {
        self.id = id
        self.format = format
        self.scanner = scanner
        self.scannerVersion = scannerVersion
        self.scannedAt = scannedAt
        self.receivedAt = receivedAt
        self.counts = counts
        self.fixableCounts = fixableCounts
        self.secrets = secrets
        self.attestationID = attestationID
        self.postedBy = postedBy
    }

    /// Whether the scan arrived inside a verified attestation.
    public var isSigned: Bool { attestationID != nil }
}

/// A stored SBOM summary.
public struct SBOMRecord: Sendable, Equatable, Codable {
    public var id: String
    public var format: SBOMFormat
    public var specVersion: String
    public var componentCount: Int
    public var topLevel: [SBOMComponent]
    public var attestationID: String?
    public var postedBy: String
    public var receivedAt: Date

    public init(
        id: String, format: SBOMFormat, specVersion: String, componentCount: Int, topLevel: [SBOMComponent], attestationID: String?,
        postedBy: String, receivedAt: Date
    ) {
        self.id = id
        self.format = format
        self.specVersion = specVersion
        self.componentCount = componentCount
        self.topLevel = topLevel
        self.attestationID = attestationID
        self.postedBy = postedBy
        self.receivedAt = receivedAt
    }
}

/// Image-config facts from one source.
public struct ConfigRecord: Sendable, Equatable, Codable {
    public var id: String
    /// config | trivy | grype
    public var source: String
    public var facts: ImageConfigFacts
    public var postedBy: String
    public var receivedAt: Date

    public init(id: String, source: String, facts: ImageConfigFacts, postedBy: String, receivedAt: Date) {
        self.id = id
        self.source = source
        self.facts = facts
        self.postedBy = postedBy
        self.receivedAt = receivedAt
    }
}

/// Everything known about one digest.
public struct ImageEvidence: Sendable, Equatable {
    public var digest: Digest
    public var names: [String]
    public var aliases: [String]
    public var firstSeenAt: Date
    public var lastEvidenceAt: Date
    public var attestations: [AttestationRecord]
    /// Newest first.
    public var scans: [ScanRecord]
    public var sboms: [SBOMRecord]
    /// Newest first.
    public var configs: [ConfigRecord]

    public init(
        digest: Digest, names: [String], aliases: [String], firstSeenAt: Date, lastEvidenceAt: Date, attestations: [AttestationRecord],
        scans: [ScanRecord], sboms: [SBOMRecord], configs: [ConfigRecord]
    ) {
        self.digest = digest
        self.names = names
        self.aliases = aliases
        self.firstSeenAt = firstSeenAt
        self.lastEvidenceAt = lastEvidenceAt
        self.attestations = attestations
        self.scans = scans
        self.sboms = sboms
        self.configs = configs
    }
}
