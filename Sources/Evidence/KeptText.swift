import Domain

/// Text Shipgate keeps from a document (finding titles and URLs, package names, SBOM components, image config
/// fields), cut to a bound. A 64 MiB report made of one enormous title or component name would otherwise be held,
/// encoded and bound into SQLite as several more 64 MiB copies, beyond the server's memory bound.
enum KeptText {
    /// Longest kept field in UTF-8 bytes: real ids, titles, URLs, purls and versions are far shorter.
    static let maxBytes = 4_096

    /// `text` cut at a character boundary to at most `maxBytes` UTF-8 bytes.
    static func bounded(_ text: String) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: maxBytes)
        while String.Index(end, within: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return String(text.unicodeScalars[..<end])
    }

    static func bounded(_ text: String?) -> String? { text.map { bounded($0) } }
}

extension ScanReport {
    /// Every kept text field within `KeptText.maxBytes`.
    var keptTextBounded: ScanReport {
        var report = self
        report.scanner = KeptText.bounded(scanner)
        report.scannerVersion = KeptText.bounded(scannerVersion)
        report.aliases = aliases.map { KeptText.bounded($0) }
        report.repositories = repositories.map { KeptText.bounded($0) }
        report.findings = findings.map { finding in
            var kept = finding
            kept.id = KeptText.bounded(finding.id)
            kept.package = KeptText.bounded(finding.package)
            kept.installedVersion = KeptText.bounded(finding.installedVersion)
            kept.fixedVersion = KeptText.bounded(finding.fixedVersion)
            kept.status = KeptText.bounded(finding.status)
            kept.title = KeptText.bounded(finding.title)
            kept.url = KeptText.bounded(finding.url)
            return kept
        }
        report.secrets = secrets.map { secret in
            var kept = secret
            kept.ruleID = KeptText.bounded(secret.ruleID)
            kept.title = KeptText.bounded(secret.title)
            kept.location = KeptText.bounded(secret.location)
            return kept
        }
        report.imageConfig = imageConfig?.keptTextBounded
        return report
    }
}

extension ImageConfigFacts {
    /// Every kept text field within `KeptText.maxBytes`.
    var keptTextBounded: ImageConfigFacts {
        var facts = self
        facts.user = KeptText.bounded(user)
        facts.exposedPorts = exposedPorts.map { KeptText.bounded($0) }
        facts.envNames = envNames.map { KeptText.bounded($0) }
        facts.secretEnv = secretEnv.map { KeptText.bounded($0) }
        facts.labels = Dictionary(labels.map { (KeptText.bounded($0.key), KeptText.bounded($0.value)) }, uniquingKeysWith: { first, _ in first })
        facts.entrypoint = entrypoint.map { KeptText.bounded($0) }
        facts.cmd = cmd.map { KeptText.bounded($0) }
        return facts
    }
}

extension SBOMSummary {
    /// Every kept text field within `KeptText.maxBytes`.
    var keptTextBounded: SBOMSummary {
        var summary = self
        summary.topLevel = topLevel.map { component in
            SBOMComponent(
                name: KeptText.bounded(component.name), version: KeptText.bounded(component.version), purl: KeptText.bounded(component.purl))
        }
        return summary
    }
}
