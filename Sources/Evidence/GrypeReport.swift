import Domain

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Grype JSON (`anchore/grype:grype/presenter/models`), 0.7 to current, narrowed to the fields Shipgate keeps.
struct GrypeReport: Decodable {
    var matches: [Match]?
    var source: Source?
    var descriptor: Descriptor?

    struct Match: Decodable {
        var vulnerability: Vulnerability
        var artifact: Artifact
    }

    struct Vulnerability: Decodable {
        var id: String
        var severity: String?
        var fix: Fix?
        var urls: [String]?
        /// Grype before ~0.20 wrote `links` instead of `urls`.
        var links: [String]?
        var dataSource: String?
        var description: String?
    }

    struct Fix: Decodable {
        var versions: [String]?
        var state: String?
    }

    struct Artifact: Decodable {
        var name: String
        var version: String?
    }

    struct Source: Decodable {
        var type: String?
        var target: Target?

        private enum CodingKeys: String, CodingKey { case type, target }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            // Directory and file sources write `target` as a plain path string: no image, no digest.
            if (try? container.decodeIfPresent(String.self, forKey: .target)) != nil {
                target = nil
            } else {
                target = try container.decodeIfPresent(Target.self, forKey: .target)
            }
        }
    }

    struct Target: Decodable {
        var imageID: String?
        var configID: String?
        var manifestDigest: String?
        var repoDigests: [String]?
        var tags: [String]?
        /// The image config, base64 (current Grype) or inline; a *claim* unless the report itself is attested.
        var config: EmbeddedConfig?
    }

    /// `source.target.config`: base64 of the config blob, or the blob as an object. Unreadable → nil, never an error.
    struct EmbeddedConfig: Decodable {
        var facts: ImageConfigFacts?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                facts = Data(base64Encoded: text).flatMap { ImageConfigParser.embeddedFacts([UInt8]($0)) }
            } else if let blob = try? container.decode(OCIImageConfig.self) {
                facts = ImageConfigParser.facts(blob.config ?? ContainerConfig())
            } else {
                facts = nil
            }
        }
    }

    struct Descriptor: Decodable {
        var name: String?
        var version: String?
        var timestamp: String?
    }

    /// Normalises the report; findings are deduplicated by the caller.
    func scanReport() -> ScanReport {
        let target = source?.target
        var repositories = OrderedStrings()
        var repoDigest: Digest?
        for text in target?.repoDigests ?? [] {
            guard let found = ScanDigest.repoDigest(text) else { continue }
            repositories.append(found.repository)
            if repoDigest == nil { repoDigest = found.digest }
        }
        for tag in target?.tags ?? [] { repositories.append(ScanDigest.repository(fromReference: tag)) }
        let digest = target?.manifestDigest.flatMap(ScanDigest.digest) ?? repoDigest
        var aliases = OrderedStrings()
        // imageID / configID name the *config* blob: aliases only, never the image identity.
        for text in [target?.imageID, target?.configID] {
            if let alias = text.flatMap(ScanDigest.digest), alias != digest { aliases.append(alias.rawValue) }
        }
        let findings = (matches ?? []).map { match in
            let vulnerability = match.vulnerability
            let fixed = (vulnerability.fix?.versions ?? []).filter { !$0.isEmpty }
            let url = vulnerability.urls?.first(where: { !$0.isEmpty }) ?? vulnerability.links?.first(where: { !$0.isEmpty })
            return Finding(
                id: vulnerability.id, package: match.artifact.name, installedVersion: match.artifact.version ?? "",
                fixedVersion: fixed.isEmpty ? nil : fixed.joined(separator: ", "), severity: Severity(scannerText: vulnerability.severity),
                status: nonEmpty(vulnerability.fix?.state)?.lowercased(), title: nonEmpty(vulnerability.description),
                url: url ?? nonEmpty(vulnerability.dataSource))
        }
        return ScanReport(
            format: .grype, scanner: "grype", scannerVersion: nonEmpty(descriptor?.version), digest: digest, aliases: aliases.values,
            repositories: repositories.values, scannedAt: descriptor?.timestamp.flatMap(Timestamp.parse), findings: findings,
            imageConfig: target?.config?.facts)
    }
}
