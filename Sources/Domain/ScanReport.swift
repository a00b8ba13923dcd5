#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The input formats of vulnerability scans.
public enum ScanFormat: String, Sendable, Codable, CaseIterable {
    case trivy
    case grype
    case sarif
}

/// A vulnerability scan report, normalised.
public struct ScanReport: Sendable, Equatable {
    public var format: ScanFormat
    /// The tool that produced it (`trivy`, `grype`, or the SARIF driver name, lowercased).
    public var scanner: String
    public var scannerVersion: String?
    /// The image manifest digest the report names, if any (never the config digest).
    public var digest: Digest?
    /// Other digests the report names for the same image (config digest / ImageID), kept as aliases.
    public var aliases: [String]
    /// Repository names seen in the report (without tags).
    public var repositories: [String]
    /// When the scan ran, if the report says.
    public var scannedAt: Date?
    /// Findings, deduplicated by id + package + installed version.
    public var findings: [Finding]
    public var secrets: [SecretFinding]
    /// Image configuration embedded in the report (Trivy `Metadata.ImageConfig`, Grype `source.target.config`).
    public var imageConfig: ImageConfigFacts?

    public init(
        format: ScanFormat, scanner: String, scannerVersion: String? = nil, digest: Digest? = nil, aliases: [String] = [],
        repositories: [String] = [], scannedAt: Date? = nil, findings: [Finding] = [], secrets: [SecretFinding] = [],
        imageConfig: ImageConfigFacts? = nil
    ) {
        self.format = format
        self.scanner = scanner
        self.scannerVersion = scannerVersion
        self.digest = digest
        self.aliases = aliases
        self.repositories = repositories
        self.scannedAt = scannedAt
        self.findings = findings
        self.secrets = secrets
        self.imageConfig = imageConfig
    }

    /// Findings per severity.
    public var counts: SeverityCounts { SeverityCounts(counting: findings.map(\.severity)) }
}
