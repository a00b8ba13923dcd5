import Domain
import Evidence
import Foundation
import Testing

/// Loads the scan / SBOM / image-config fixtures and computes expected values from the raw JSON, independently of the
/// parsers under test (JSONSerialization walk + the documented dedup and severity rules).
enum ScanFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Every fixture file of `kind` (a folder under Fixtures/), README excluded, sorted.
    static func names(_ kind: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(kind).path)) ?? []
        return files.filter { $0 != "README.md" }.sorted()
    }

    static func bytes(_ kind: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(kind).appendingPathComponent(name)))
    }

    static func json(_ kind: String, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent(kind).appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Bytes of a JSON object built in a test.
    static func encode(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }
}

/// Expected tallies, computed from raw JSON with the test's own reading of the rules.
enum Expected {
    struct Tally {
        var raw = 0
        var counts: [Severity: Int] = [:]
        var unique: Int { counts.values.reduce(0, +) }
        var secrets = 0

        func count(_ severity: Severity) -> Int { counts[severity] ?? 0 }
    }

    /// Upper-cased word; NEGLIGIBLE is LOW; anything else unknown.
    static func severity(_ word: Any?) -> Severity {
        guard let text = word as? String else { return .unknown }
        if text.uppercased() == "NEGLIGIBLE" { return .low }
        return Severity(rawValue: text.uppercased()) ?? .unknown
    }

    /// Counts each (id, package, version) once, at its most severe severity.
    static func tally(_ entries: [(key: String, severity: Severity)], secrets: Int = 0) -> Tally {
        var best: [String: Severity] = [:]
        for entry in entries {
            best[entry.key] = min(best[entry.key] ?? .unknown, entry.severity)
        }
        var tally = Tally(raw: entries.count, secrets: secrets)
        for severity in best.values { tally.counts[severity, default: 0] += 1 }
        return tally
    }

    static func trivy(_ document: [String: Any]) -> Tally {
        var entries: [(key: String, severity: Severity)] = []
        var secrets = 0
        for result in document["Results"] as? [[String: Any]] ?? [] {
            for vulnerability in result["Vulnerabilities"] as? [[String: Any]] ?? [] {
                let key = [vulnerability["VulnerabilityID"], vulnerability["PkgName"], vulnerability["InstalledVersion"]]
                    .map { $0 as? String ?? "" }.joined(separator: "|")
                entries.append((key, severity(vulnerability["Severity"])))
            }
            secrets += (result["Secrets"] as? [Any])?.count ?? 0
        }
        return tally(entries, secrets: secrets)
    }

    static func grype(_ document: [String: Any]) -> Tally {
        let entries = (document["matches"] as? [[String: Any]] ?? []).map { match -> (key: String, severity: Severity) in
            let vulnerability = match["vulnerability"] as? [String: Any] ?? [:]
            let artifact = match["artifact"] as? [String: Any] ?? [:]
            let key = [vulnerability["id"], artifact["name"], artifact["version"]].map { $0 as? String ?? "" }.joined(separator: "|")
            return (key, severity(vulnerability["severity"]))
        }
        return tally(entries)
    }

    /// SARIF: severity from tags / security-severity of the result, then of its rule; never `level`.
    static func sarif(_ document: [String: Any]) -> Tally {
        var entries: [(key: String, severity: Severity)] = []
        var secrets = 0
        for run in document["runs"] as? [[String: Any]] ?? [] {
            let driver = (run["tool"] as? [String: Any])?["driver"] as? [String: Any] ?? [:]
            let rules = driver["rules"] as? [[String: Any]] ?? []
            for result in run["results"] as? [[String: Any]] ?? [] {
                if let kind = result["kind"] as? String, kind == "pass" || kind == "notApplicable" { continue }
                let ruleID = result["ruleId"] as? String ?? (result["rule"] as? [String: Any])?["id"] as? String
                var rule: [String: Any]?
                if let index = result["ruleIndex"] as? Int, rules.indices.contains(index), ruleID == nil || rules[index]["id"] as? String == ruleID {
                    rule = rules[index]
                } else if let ruleID {
                    rule = rules.first { $0["id"] as? String == ruleID }
                }
                if rule?["name"] as? String == "Secret" {
                    secrets += 1
                    continue
                }
                let sev =
                    propertySeverity(result["properties"]) ?? propertySeverity(rule?["properties"]) ?? .unknown
                var fields = packageFields((result["message"] as? [String: Any])?["text"])
                let help = packageFields((rule?["help"] as? [String: Any])?["text"])
                fields.merge(help) { mine, _ in mine }
                let physical = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
                let uri = (physical?["artifactLocation"] as? [String: Any])?["uri"] as? String ?? ""
                let line = (physical?["region"] as? [String: Any])?["startLine"] as? Int ?? 0
                let place = line > 0 ? "\(uri):\(line)" : uri
                let id = fields["Vulnerability"] ?? ruleID ?? rule?["id"] as? String ?? "unidentified-rule"
                let key = [id, fields["Package"] ?? place, fields["Installed Version"] ?? fields["Version"] ?? ""].joined(separator: "|")
                entries.append((key, sev))
            }
        }
        return tally(entries, secrets: secrets)
    }

    private static func propertySeverity(_ properties: Any?) -> Severity? {
        guard let properties = properties as? [String: Any] else { return nil }
        let tagged = (properties["tags"] as? [String] ?? []).compactMap { Severity(rawValue: $0.uppercased()) }
        if let most = tagged.min() { return most }
        let score: Double? =
            switch properties["security-severity"] {
            case let text as String: Double(text)
            case let number as NSNumber: number.doubleValue
            default: nil
            }
        guard let score else { return nil }
        return score >= 9 ? .critical : score >= 7 ? .high : score >= 4 ? .medium : score > 0 ? .low : .unknown
    }

    /// `Key: value` lines of a Trivy message / Grype help text (only texts naming a package).
    private static func packageFields(_ text: Any?) -> [String: String] {
        guard let text = text as? String, text.contains("Package: ") else { return [:] }
        var fields: [String: String] = [:]
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("Vulnerability ") {
                fields["Vulnerability"] = String(line.dropFirst("Vulnerability ".count)).trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty, fields[String(line[..<colon])] == nil { fields[String(line[..<colon])] = value }
            }
        }
        return fields
    }

    /// CycloneDX components counted through nested `components`.
    static func cycloneDXCount(_ components: Any?) -> Int {
        (components as? [[String: Any]] ?? []).reduce(0) { $0 + 1 + cycloneDXCount($1["components"]) }
    }
}

/// The `EvidenceError` `body` throws, nil if it returns (or throws something else).
func evidenceError(_ body: () throws -> Void) -> EvidenceError? {
    do {
        try body()
        return nil
    } catch let error as EvidenceError {
        return error
    } catch {
        return nil
    }
}
