import Domain

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Trivy JSON, `SchemaVersion: 2` (aquasecurity/trivy `pkg/types`), narrowed to the fields Shipgate keeps.
struct TrivyReport: Decodable {
    var schemaVersion: Int
    var createdAt: String?
    var trivy: Tool?
    var metadata: Metadata?
    var results: [Result]?

    struct Tool: Decodable {
        var version: String?
        private enum CodingKeys: String, CodingKey { case version = "Version" }
    }

    struct Metadata: Decodable {
        var imageID: String?
        var repoTags: [String]?
        var repoDigests: [String]?
        var imageConfig: OCIImageConfig?
        private enum CodingKeys: String, CodingKey {
            case imageID = "ImageID", repoTags = "RepoTags", repoDigests = "RepoDigests", imageConfig = "ImageConfig"
        }
    }

    struct Result: Decodable {
        var target: String?
        var vulnerabilities: [Vulnerability]?
        var secrets: [Secret]?
        private enum CodingKeys: String, CodingKey { case target = "Target", vulnerabilities = "Vulnerabilities", secrets = "Secrets" }
    }

    struct Vulnerability: Decodable {
        var vulnerabilityID: String
        var pkgName: String?
        var installedVersion: String?
        var fixedVersion: String?
        var severity: String?
        var status: String?
        var title: String?
        var primaryURL: String?
        private enum CodingKeys: String, CodingKey {
            case vulnerabilityID = "VulnerabilityID", pkgName = "PkgName", installedVersion = "InstalledVersion"
            case fixedVersion = "FixedVersion", severity = "Severity", status = "Status", title = "Title", primaryURL = "PrimaryURL"
        }
    }

    /// A secret finding. `Match` and `Code` hold the (partly masked) secret text and are deliberately not decoded.
    struct Secret: Decodable {
        var ruleID: String?
        var title: String?
        var severity: String?
        var startLine: Int?
        private enum CodingKeys: String, CodingKey { case ruleID = "RuleID", title = "Title", severity = "Severity", startLine = "StartLine" }
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion = "SchemaVersion", createdAt = "CreatedAt", trivy = "Trivy", metadata = "Metadata", results = "Results"
    }

    /// Normalises the report; findings are deduplicated by the caller.
    func scanReport() -> ScanReport {
        var repositories = OrderedStrings()
        var digest: Digest?
        for text in metadata?.repoDigests ?? [] {
            guard let found = ScanDigest.repoDigest(text) else { continue }
            repositories.append(found.repository)
            if digest == nil { digest = found.digest }
        }
        for tag in metadata?.repoTags ?? [] { repositories.append(ScanDigest.repository(fromReference: tag)) }
        var aliases = OrderedStrings()
        // ImageID is the *config* digest: never the image identity, only an alias.
        if let imageID = metadata?.imageID.flatMap(ScanDigest.digest), imageID != digest { aliases.append(imageID.rawValue) }

        var findings: [Finding] = []
        var secrets: [SecretFinding] = []
        for result in results ?? [] {
            for vulnerability in result.vulnerabilities ?? [] {
                findings.append(
                    Finding(
                        id: vulnerability.vulnerabilityID, package: vulnerability.pkgName ?? "",
                        installedVersion: vulnerability.installedVersion ?? "", fixedVersion: nonEmpty(vulnerability.fixedVersion),
                        severity: Severity(scannerText: vulnerability.severity), status: nonEmpty(vulnerability.status)?.lowercased(),
                        title: nonEmpty(vulnerability.title), url: nonEmpty(vulnerability.primaryURL)))
            }
            for secret in result.secrets ?? [] {
                let target = result.target ?? ""
                let location = secret.startLine.map { $0 > 0 ? "\(target):\($0)" : target } ?? target
                secrets.append(
                    SecretFinding(
                        ruleID: secret.ruleID ?? "", title: secret.title ?? "", severity: Severity(scannerText: secret.severity),
                        location: location))
            }
        }
        let config = metadata?.imageConfig.flatMap { $0.isEmpty ? nil : ImageConfigParser.facts($0.config ?? ContainerConfig()) }
        return ScanReport(
            format: .trivy, scanner: "trivy", scannerVersion: nonEmpty(trivy?.version), digest: digest, aliases: aliases.values,
            repositories: repositories.values, scannedAt: createdAt.flatMap(Timestamp.parse), findings: findings, secrets: secrets,
            imageConfig: config)
    }
}

/// nil for nil or empty text.
func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}
