import Domain

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A SARIF 2.1.0 log (OASIS), narrowed to what a vulnerability gate needs; conventions of Trivy's and Grype's SARIF
/// output (`pkg/report/sarif.go`, `presenter/sarif`) are understood where present.
struct SARIFLog: Decodable {
    var version: String
    var runs: [Run]?

    struct Run: Decodable {
        var tool: Tool
        var results: [Result]?
        var properties: RunProperties?
        var invocations: [Invocation]?
    }

    struct Tool: Decodable {
        var driver: Driver
    }

    struct Driver: Decodable {
        var name: String
        var version: String?
        var semanticVersion: String?
        var rules: [Rule]?
    }

    struct Rule: Decodable {
        var id: String?
        var name: String?
        var shortDescription: Message?
        var help: Message?
        var helpUri: String?
        var properties: Properties?
    }

    struct Result: Decodable {
        var ruleId: String?
        var ruleIndex: Int?
        var rule: RuleReference?
        var kind: String?
        var message: Message?
        var locations: [Location]?
        var properties: Properties?
    }

    struct RuleReference: Decodable {
        var id: String?
        var index: Int?
    }

    struct Message: Decodable {
        var text: String?
    }

    /// A rule's or result's property bag: `tags` and `security-severity` decide severity (never `level`).
    struct Properties: Decodable {
        var tags: [String]?
        var securitySeverity: LenientNumber?
        var package: String?
        var installedVersion: String?
        var fixedVersion: String?

        private enum CodingKeys: String, CodingKey {
            case tags, securitySeverity = "security-severity"
            case package, packageName, installedVersion, fixedVersion
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tags = try container.decodeIfPresent([String].self, forKey: .tags)
            securitySeverity = try container.decodeIfPresent(LenientNumber.self, forKey: .securitySeverity)
            // Free-form producer fields: used when they are strings, ignored otherwise.
            package =
                (try? container.decodeIfPresent(String.self, forKey: .package)) ?? (try? container.decodeIfPresent(String.self, forKey: .packageName))
            installedVersion = try? container.decodeIfPresent(String.self, forKey: .installedVersion)
            fixedVersion = try? container.decodeIfPresent(String.self, forKey: .fixedVersion)
        }

        /// Severity from a severity-word tag (the most severe if several), else from the CVSS `security-severity`.
        var severity: Severity? {
            if let fromTags = (tags ?? []).compactMap(Severity.init(exactWord:)).min() { return fromTags }
            return securitySeverity?.value.map(Severity.init(cvssScore:))
        }
    }

    /// `runs[].properties` as Trivy writes it for images; any other producer's values of other types are ignored.
    struct RunProperties: Decodable {
        var imageID: String?
        var repoDigests: [String]?
        var repoTags: [String]?

        private enum CodingKeys: String, CodingKey { case imageID, repoDigests, repoTags }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            imageID = try? container.decodeIfPresent(String.self, forKey: .imageID)
            repoDigests = try? container.decodeIfPresent([String].self, forKey: .repoDigests)
            repoTags = try? container.decodeIfPresent([String].self, forKey: .repoTags)
        }
    }

    struct Location: Decodable {
        var physicalLocation: PhysicalLocation?
    }

    struct PhysicalLocation: Decodable {
        var artifactLocation: ArtifactLocation?
        var region: Region?
    }

    struct ArtifactLocation: Decodable {
        var uri: String?
    }

    struct Region: Decodable {
        var startLine: Int?
    }

    struct Invocation: Decodable {
        var startTimeUtc: String?
        var endTimeUtc: String?
    }

    /// Normalises every run's results; findings are deduplicated by the caller.
    func scanReport() -> ScanReport {
        let runs = runs ?? []
        var digest: Digest?
        var repositories = OrderedStrings()
        var aliases = OrderedStrings()
        for run in runs {
            for text in run.properties?.repoDigests ?? [] {
                guard let found = ScanDigest.repoDigest(text) else { continue }
                repositories.append(found.repository)
                if digest == nil { digest = found.digest }
            }
            for tag in run.properties?.repoTags ?? [] { repositories.append(ScanDigest.repository(fromReference: tag)) }
        }
        // imageID is the config digest: an alias only.
        for run in runs {
            if let alias = run.properties?.imageID.flatMap(ScanDigest.digest), alias != digest { aliases.append(alias.rawValue) }
        }
        var findings: [Finding] = []
        var secrets: [SecretFinding] = []
        for run in runs { collect(run, into: &findings, secrets: &secrets) }
        let driver = runs.first?.tool.driver
        let invocation = runs.first?.invocations?.first
        return ScanReport(
            format: .sarif, scanner: driver.map { $0.name.lowercased() } ?? "unknown",
            scannerVersion: nonEmpty(driver?.version) ?? nonEmpty(driver?.semanticVersion), digest: digest, aliases: aliases.values,
            repositories: repositories.values, scannedAt: (invocation?.endTimeUtc ?? invocation?.startTimeUtc).flatMap(Timestamp.parse),
            findings: findings, secrets: secrets)
    }

    private func collect(_ run: Run, into findings: inout [Finding], secrets: inout [SecretFinding]) {
        let rules = run.tool.driver.rules ?? []
        var ruleIndexByID: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            if let id = rule.id, ruleIndexByID[id] == nil { ruleIndexByID[id] = index }
        }
        for result in run.results ?? [] {
            // SARIF §3.27.9: `pass` and `notApplicable` results report the absence of a problem.
            if result.kind == "pass" || result.kind == "notApplicable" { continue }
            let referencedID = result.ruleId ?? result.rule?.id
            let rule = Self.rule(for: result, id: referencedID, rules: rules, indexByID: ruleIndexByID)
            var id = referencedID ?? rule?.id ?? "unidentified-rule"
            // Very old Trivy templates wrote rule ids like `[HIGH] CVE-…`.
            var bracketSeverity: Severity?
            if id.hasPrefix("["), let close = id.firstIndex(of: "]") {
                bracketSeverity = Severity(exactWord: String(id[id.index(after: id.startIndex)..<close]))
                if bracketSeverity != nil { id = id[id.index(after: close)...].trimmingASCIIWhitespace() }
            }
            let severity = result.properties?.severity ?? rule?.properties?.severity ?? bracketSeverity ?? .unknown
            let location = result.locations?.first?.physicalLocation
            let uri = location?.artifactLocation?.uri ?? ""
            let line = location?.region?.startLine ?? 0
            // `path:line`: results without a package (config checks, leaks) are told apart by where they are.
            let place = line > 0 ? "\(uri):\(line)" : uri
            if rule?.name == "Secret" {
                // Trivy's secret rules: the message carries the matched text, so only rule, title and place are kept.
                secrets.append(SecretFinding(ruleID: id, title: rule?.shortDescription?.text ?? id, severity: severity, location: place))
                continue
            }
            // Trivy puts package facts in the message, Grype in the rule's help text.
            var fields = TextFields(result.message?.text)
            fields.fill(from: TextFields(rule?.help?.text))
            findings.append(
                Finding(
                    id: fields.vulnerability ?? id, package: fields.package ?? nonEmpty(result.properties?.package) ?? place,
                    installedVersion: fields.installedVersion ?? nonEmpty(result.properties?.installedVersion) ?? "",
                    fixedVersion: fields.fixedVersion ?? nonEmpty(result.properties?.fixedVersion), severity: severity,
                    title: nonEmpty(rule?.shortDescription?.text) ?? nonEmpty(rule?.name), url: nonEmpty(rule?.helpUri)))
        }
    }

    /// The rule a result names: by `ruleIndex` when it agrees with the id, else by id.
    private static func rule(for result: Result, id: String?, rules: [Rule], indexByID: [String: Int]) -> Rule? {
        if let index = result.ruleIndex ?? result.rule?.index, rules.indices.contains(index), id == nil || rules[index].id == id {
            return rules[index]
        }
        return id.flatMap { indexByID[$0] }.map { rules[$0] }
    }
}

/// `Key: value` lines of Trivy's result message and Grype's rule help text. Only these keys are read: never `Match`.
private struct TextFields {
    var vulnerability: String?
    var package: String?
    var installedVersion: String?
    var fixedVersion: String?

    init(_ text: String?) {
        guard let text, text.contains("Package: ") else { return }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            if line.hasPrefix("Vulnerability ") {
                vulnerability = nonEmpty(line.dropFirst("Vulnerability ".count).trimmingASCIIWhitespace())
            } else if let colon = line.firstIndex(of: ":") {
                let value = nonEmpty(line[line.index(after: colon)...].trimmingASCIIWhitespace())
                switch line[..<colon] {
                case "Package": package = value
                case "Installed Version": installedVersion = value
                case "Version": if installedVersion == nil { installedVersion = value }
                case "Fixed Version", "Fix Version": fixedVersion = value
                default: break
                }
            }
        }
    }

    mutating func fill(from other: TextFields) {
        vulnerability = vulnerability ?? other.vulnerability
        package = package ?? other.package
        installedVersion = installedVersion ?? other.installedVersion
        fixedVersion = fixedVersion ?? other.fixedVersion
    }
}
