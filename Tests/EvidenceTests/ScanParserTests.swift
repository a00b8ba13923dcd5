import Domain
import Evidence
import Foundation
import Testing

@Suite struct ScanParserTests {
    @Test func formatsAreDetectedFromTheirShape() throws {
        #expect(try ScanParser.parse(try ScanFixtures.bytes("trivy", "trivy-alpine-39.json.golden")).format == .trivy)
        #expect(try ScanParser.parse(try ScanFixtures.bytes("grype", "defectdojo-grype-no_vuln.json")).format == .grype)
        #expect(try ScanParser.parse(try ScanFixtures.bytes("sarif", "secobserve-kics.sarif")).format == .sarif)
        // Trivy without Results (a clean report omits them) is still Trivy by ArtifactName.
        #expect(try ScanParser.parse(try ScanFixtures.encode(["SchemaVersion": 2, "ArtifactName": "app"])).format == .trivy)
    }

    @Test(arguments: [
        #"{"foo": 1}"#, #"[1, 2, 3]"#, #""just a string""#, "42", #"{"Results": []}"#, #"{"matches": []}"#, #"{"runs": []}"#,
        #"<?xml version="1.0"?><bom/>"#,
    ])
    func unknownShapesAreUnsupported(body: String) {
        let error = evidenceError { _ = try ScanParser.parse(Array(body.utf8)) }
        #expect(error == EvidenceError(.unsupported, "unrecognised scan format: send Trivy JSON, Grype JSON or SARIF 2.1.0"))
    }

    @Test(arguments: [#"{"SchemaVersion": 2, "Results": [}"#, "not json", "", #"{"matches": [], "source": {}"#, #"{"a": 1} trailing"#])
    func malformedJSONIsMalformed(body: String) {
        #expect(evidenceError { _ = try ScanParser.parse(Array(body.utf8)) }?.kind == .malformed)
        #expect(evidenceError { _ = try ScanParser.parse(Array(body.utf8), format: .trivy) }?.kind == .malformed)
    }

    @Test func anExplicitFormatThatDoesNotFitIsInvalid() throws {
        let trivy = try ScanFixtures.bytes("trivy", "trivy-alpine-39.json.golden")
        #expect(evidenceError { _ = try ScanParser.parse(trivy, format: .grype) }?.kind == .invalid)
        #expect(evidenceError { _ = try ScanParser.parse(trivy, format: .sarif) }?.kind == .invalid)
        let grype = try ScanFixtures.bytes("grype", "defectdojo-grype-no_vuln.json")
        #expect(evidenceError { _ = try ScanParser.parse(grype, format: .trivy) }?.kind == .invalid)
        #expect(evidenceError { _ = try ScanParser.parse(Array(#"[1]"#.utf8), format: .sarif) }?.kind == .invalid)
        #expect(try ScanParser.parse(grype, format: .grype).format == .grype)
    }

    @Test func wrongFieldTypesAreInvalidAndNeverEchoTheValue() throws {
        let bytes = try ScanFixtures.encode([
            "SchemaVersion": 2, "ArtifactName": "x",
            "Results": [["Target": "t", "Vulnerabilities": [["VulnerabilityID": ["AKIAIOSFODNN7EXAMPLE"], "Severity": "HIGH"]]]],
        ])
        let error = try #require(evidenceError { _ = try ScanParser.parse(bytes) })
        #expect(error.kind == .invalid)
        #expect(error.message.contains("Results[0].Vulnerabilities[0].VulnerabilityID"))
        #expect(!error.message.contains("AKIA"))
        let missingID = try ScanFixtures.encode(["SchemaVersion": 2, "Results": [["Vulnerabilities": [["PkgName": "a"]]]]])
        #expect(evidenceError { _ = try ScanParser.parse(missingID) }?.kind == .invalid)
    }

    @Test func duplicatesAreCountedOnceAtTheirMostSevereSeverity() throws {
        func vulnerability(_ id: String, _ package: String, _ version: String, _ severity: String, fixed: String? = nil) -> [String: Any] {
            var entry: [String: Any] = ["VulnerabilityID": id, "PkgName": package, "InstalledVersion": version, "Severity": severity]
            if let fixed { entry["FixedVersion"] = fixed }
            return entry
        }
        let bytes = try ScanFixtures.encode([
            "SchemaVersion": 2, "ArtifactName": "app",
            "Results": [
                [
                    "Target": "os",
                    "Vulnerabilities": [vulnerability("CVE-1", "openssl", "3.0", "MEDIUM"), vulnerability("CVE-2", "zlib", "1.2", "LOW")],
                ],
                [
                    "Target": "again",
                    "Vulnerabilities": [
                        vulnerability("CVE-1", "openssl", "3.0", "HIGH", fixed: "3.1"), vulnerability("CVE-1", "openssl", "3.1", "LOW"),
                        vulnerability("CVE-2", "zlib", "1.2", "LOW"),
                    ],
                ],
            ],
        ])
        let report = try ScanParser.parse(bytes)
        #expect(report.findings.count == 3)
        let merged = try #require(report.findings.first)
        #expect(merged.id == "CVE-1" && merged.installedVersion == "3.0" && merged.severity == .high && merged.fixedVersion == "3.1")
        #expect(report.counts[.high] == 1 && report.counts[.low] == 2 && report.counts.total == 3)
    }

    @Test func unknownSeverityWordsBecomeUnknown() throws {
        let bytes = try ScanFixtures.encode([
            "SchemaVersion": 2, "ArtifactName": "app",
            "Results": [
                [
                    "Vulnerabilities": [
                        ["VulnerabilityID": "A", "Severity": "SEVERE"], ["VulnerabilityID": "B"], ["VulnerabilityID": "C", "Severity": "critical"],
                    ]
                ]
            ],
        ])
        #expect(try ScanParser.parse(bytes).findings.map(\.severity) == [.unknown, .unknown, .critical])
    }

    @Test func aFiveThousandFindingTrivyReportParses() throws {
        var vulnerabilities: [[String: Any]] = []
        let severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
        for index in 0..<5_000 {
            vulnerabilities.append([
                "VulnerabilityID": "CVE-2024-\(10_000 + index)", "PkgID": "pkg\(index % 300)@1.\(index % 7)",
                "PkgName": "pkg\(index % 300)", "InstalledVersion": "1.\(index % 7)", "FixedVersion": "2.0", "Status": "fixed",
                "Severity": severities[index % 5], "Title": "A long title for vulnerability \(index) that looks like the real ones",
                "Description": String(repeating: "Description text. ", count: 40), "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2024-\(index)",
                "CweIDs": ["CWE-787"], "CVSS": ["nvd": ["V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": 9.8]],
                "References": ["https://example.com/a", "https://example.com/b"],
            ])
        }
        let bytes = try ScanFixtures.encode([
            "SchemaVersion": 2, "ArtifactName": "registry.example.com/app:1", "ArtifactType": "container_image",
            "Results": [["Target": "app (debian 12)", "Class": "os-pkgs", "Vulnerabilities": vulnerabilities]],
        ])
        let report = try ScanParser.parse(bytes)
        #expect(report.findings.count == 5_000)
        for severity in Severity.allCases { #expect(report.counts[severity] == 1_000) }
    }

    @Test func hostileNestingIsRefusedBeforeDecoding() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        let start = ContinuousClock.now
        #expect(evidenceError { _ = try ScanParser.parse(deep) } == EvidenceError(.malformed, "JSON nested deeper than 64 levels"))
        var nested = Array(#"{"SchemaVersion": 2, "Results": "#.utf8)
        nested += [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000) + [UInt8(ascii: "}")]
        #expect(evidenceError { _ = try ScanParser.parse(nested) }?.kind == .malformed)
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}
