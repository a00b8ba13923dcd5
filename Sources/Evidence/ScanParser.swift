import Domain

/// Parses Trivy JSON, Grype JSON and SARIF 2.1.0 vulnerability reports into a normalised `ScanReport`.
public enum ScanParser {
    static let unrecognised = "unrecognised scan format: send Trivy JSON, Grype JSON or SARIF 2.1.0"

    /// Parses `bytes`, detecting the format when `format` is nil; findings are deduplicated by `Finding.dedupKey`.
    ///
    /// Errors: `.malformed` (not JSON, too deep), `.unsupported` (no known format), `.invalid` (the named format does not fit,
    /// or a field has the wrong type).
    public static func parse(_ bytes: [UInt8], format: ScanFormat? = nil) throws(EvidenceError) -> ScanReport {
        let top = try JSONTopLevel.scan(bytes)
        let detected = top.kind == .object ? detect(top.keys) : nil
        guard let chosen = format ?? detected else { throw EvidenceJSON.unrecognised(bytes, kind: top.kind, unrecognised) }
        guard fits(chosen, top) else {
            if top.kind != .markup, !EvidenceJSON.isValidJSON(bytes) { throw EvidenceError(.malformed, "not valid JSON") }
            throw EvidenceError(.invalid, "not a \(name(of: chosen)): \(signature(of: chosen)) expected")
        }
        var report: ScanReport
        switch chosen {
        case .trivy:
            let trivy = try EvidenceJSON.decode(TrivyReport.self, from: bytes, what: "Trivy report")
            guard trivy.schemaVersion == 2 else {
                throw EvidenceError(.unsupported, "Trivy SchemaVersion \(trivy.schemaVersion) is not supported: send SchemaVersion 2")
            }
            report = trivy.scanReport()
        case .grype:
            report = try EvidenceJSON.decode(GrypeReport.self, from: bytes, what: "Grype report").scanReport()
        case .sarif:
            let log = try EvidenceJSON.decode(SARIFLog.self, from: bytes, what: "SARIF log")
            guard log.version == "2.1.0" else {
                throw format == nil
                    ? EvidenceError(.unsupported, unrecognised) : EvidenceError(.invalid, "not a SARIF 2.1.0 log: version \"2.1.0\" expected")
            }
            report = log.scanReport()
        }
        // Bounded before deduplication, so two findings that differ only past the bound count once (fail-closed merge).
        report = report.keptTextBounded
        report.findings = deduplicated(report.findings)
        return report
    }

    /// Trivy: `SchemaVersion` + `Results`/`ArtifactName`; Grype: `matches` + `source`/`descriptor`; SARIF: `version` + `runs`.
    static func detect(_ keys: Set<String>) -> ScanFormat? {
        ScanFormat.allCases.first { matches($0, keys) }
    }

    private static func fits(_ format: ScanFormat, _ top: JSONTopLevel) -> Bool {
        top.kind == .object && matches(format, top.keys)
    }

    private static func matches(_ format: ScanFormat, _ keys: Set<String>) -> Bool {
        switch format {
        case .trivy: keys.contains("SchemaVersion") && (keys.contains("Results") || keys.contains("ArtifactName"))
        case .grype: keys.contains("matches") && (keys.contains("source") || keys.contains("descriptor"))
        case .sarif: keys.contains("version") && keys.contains("runs")
        }
    }

    private static func name(of format: ScanFormat) -> String {
        switch format {
        case .trivy: "Trivy JSON report"
        case .grype: "Grype JSON report"
        case .sarif: "SARIF 2.1.0 log"
        }
    }

    private static func signature(of format: ScanFormat) -> String {
        switch format {
        case .trivy: "SchemaVersion and Results"
        case .grype: "matches and source"
        case .sarif: "version and runs"
        }
    }

    /// Keeps the first finding per id + package + installed version, raised to the most severe severity among its
    /// duplicates (fail closed) and completed with the first non-empty fix, status, title and URL.
    static func deduplicated(_ findings: [Finding]) -> [Finding] {
        var result: [Finding] = []
        result.reserveCapacity(findings.count)
        var indexByKey: [String: Int] = [:]
        indexByKey.reserveCapacity(findings.count)
        for finding in findings {
            let key = finding.dedupKey
            guard let index = indexByKey[key] else {
                indexByKey[key] = result.count
                result.append(finding)
                continue
            }
            var kept = result[index]
            kept.severity = min(kept.severity, finding.severity)
            kept.fixedVersion = kept.fixedVersion ?? finding.fixedVersion
            kept.status = kept.status ?? finding.status
            kept.title = kept.title ?? finding.title
            kept.url = kept.url ?? finding.url
            result[index] = kept
        }
        return result
    }
}
