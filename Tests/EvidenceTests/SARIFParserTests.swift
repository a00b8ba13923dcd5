import Domain
import Evidence
import Foundation
import Testing

@Suite struct SARIFParserTests {
    @Test(arguments: ScanFixtures.names("sarif"))
    func countsMatchTheRawLog(name: String) throws {
        let raw = try ScanFixtures.json("sarif", name)
        let report = try ScanParser.parse(try ScanFixtures.bytes("sarif", name))
        let expected = Expected.sarif(raw)
        #expect(report.format == .sarif)
        #expect(report.findings.count == expected.unique)
        for severity in Severity.allCases {
            #expect(report.counts[severity] == expected.count(severity), "\(name) \(severity)")
        }
        #expect(report.secrets.count == expected.secrets)
        let driver = ((raw["runs"] as? [[String: Any]])?.first?["tool"] as? [String: Any])?["driver"] as? [String: Any]
        #expect(report.scanner == (driver?["name"] as? String)?.lowercased() ?? "unknown")
    }

    @Test func trivySARIFGivesPackageVersionsAndSeverityFromTags() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("sarif", "trivy-alpine-310.sarif.golden"))
        #expect(report.scanner == "trivy" && report.scannerVersion == "dev")
        #expect(report.findings.count == 4)
        let first = try #require(report.findings.first)
        #expect(first.id == "CVE-2019-1549")
        #expect(first.package == "libcrypto1.1" && first.installedVersion == "1.1.1c-r0" && first.fixedVersion == "1.1.1d-r0")
        #expect(first.severity == .medium)
        #expect(first.url == "https://avd.aquasec.com/nvd/cve-2019-1549")
        // repoDigests is null here: no digest, the imageID (config digest) only as an alias.
        #expect(report.digest == nil)
        #expect(report.aliases == ["sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4"])
        #expect(report.repositories == ["ghcr.io/aquasecurity/trivy-test-images"])
    }

    @Test func grypeSARIFNamesTheVulnerabilityAndPackageFromTheRuleHelp() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("sarif", "defectdojo-grype-cxf-3.4.6.sarif"))
        #expect(report.scanner == "grype" && report.scannerVersion == "0.34.7")
        let first = try #require(report.findings.first)
        #expect(first.id == "CVE-2008-0732")
        #expect(first.package == "geronimo-j2ee-management_1.1_spec" && first.installedVersion == "1.0.1")
        #expect(first.fixedVersion == nil)
        #expect(first.severity == .low, "security-severity 2.1")
    }

    @Test func gitleaksOffendersNeverReachTheReport() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("sarif", "defectdojo-gitleaks_7.5.0.sarif"))
        #expect(!report.findings.isEmpty)
        let text = String(describing: report)
        for leaked in ["AKIAIOSFODNN7EXAMPLE", "BEGIN", "PRIVATE KEY", "raw_source_code_extract", "offender"] {
            #expect(!text.contains(leaked), "\(leaked) leaked into the report")
        }
    }

    @Test func emptyRunsGiveAnEmptyReport() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("sarif", "defectdojo-no_runs.sarif"))
        #expect(report.findings.isEmpty && report.scanner == "unknown" && report.digest == nil)
    }

    /// A one-rule, one-result log; `rule` / `result` properties and `level` as given.
    private func log(ruleProperties: [String: Any]? = nil, resultProperties: [String: Any]? = nil, level: String? = nil, kind: String? = nil)
        throws -> [UInt8]
    {
        var rule: [String: Any] = ["id": "RULE-1", "name": "Check"]
        if let ruleProperties { rule["properties"] = ruleProperties }
        var result: [String: Any] = ["ruleId": "RULE-1", "ruleIndex": 0, "message": ["text": "something"]]
        if let resultProperties { result["properties"] = resultProperties }
        if let level { result["level"] = level }
        if let kind { result["kind"] = kind }
        return try ScanFixtures.encode([
            "version": "2.1.0", "runs": [["tool": ["driver": ["name": "Scanner", "rules": [rule]]], "results": [result]]],
        ])
    }

    @Test func levelNeverDecidesSeverity() throws {
        #expect(try ScanParser.parse(try log(level: "error")).findings.map(\.severity) == [.unknown])
        #expect(try ScanParser.parse(try log(level: "note")).findings.map(\.severity) == [.unknown])
        let tagged = try log(ruleProperties: ["tags": ["security", "CRITICAL"]], level: "note")
        #expect(try ScanParser.parse(tagged).findings.map(\.severity) == [.critical])
        let lowTagged = try log(ruleProperties: ["tags": ["vulnerability", "LOW"]], level: "error")
        #expect(try ScanParser.parse(lowTagged).findings.map(\.severity) == [.low])
    }

    @Test(arguments: [
        ("9.0", Severity.critical), ("10", .critical), ("8.9", .high), ("7.0", .high), ("6.9", .medium), ("4.0", .medium),
        ("3.9", .low), ("0.1", .low), ("0", .unknown), ("not a number", .unknown),
    ])
    func securitySeverityMapsCVSSScores(score: String, severity: Severity) throws {
        #expect(try ScanParser.parse(try log(ruleProperties: ["security-severity": score])).findings.map(\.severity) == [severity])
    }

    @Test func numericSecuritySeverityIsAccepted() throws {
        #expect(try ScanParser.parse(try log(resultProperties: ["security-severity": 9.8])).findings.map(\.severity) == [.critical])
    }

    @Test func tagsWinOverSecuritySeverityAndResultWinsOverRule() throws {
        let both = try log(ruleProperties: ["tags": ["HIGH"], "security-severity": "2.0"])
        #expect(try ScanParser.parse(both).findings.map(\.severity) == [.high])
        let overridden = try log(ruleProperties: ["tags": ["LOW"]], resultProperties: ["security-severity": "9.1"])
        #expect(try ScanParser.parse(overridden).findings.map(\.severity) == [.critical])
    }

    @Test func passingResultsAreNotFindings() throws {
        #expect(try ScanParser.parse(try log(kind: "pass")).findings.isEmpty)
        #expect(try ScanParser.parse(try log(kind: "fail")).findings.count == 1)
    }

    @Test func digestComesFromRunPropertiesRepoDigests() throws {
        let hex = String(repeating: "0f", count: 32)
        let bytes = try ScanFixtures.encode([
            "version": "2.1.0",
            "runs": [
                [
                    "tool": ["driver": ["name": "Trivy", "version": "0.50.0"]], "results": [],
                    "properties": [
                        "imageName": "registry.example.com/app:1", "repoTags": ["registry.example.com/app:1"],
                        "repoDigests": ["registry.example.com/app@sha256:" + hex], "imageID": "sha256:" + String(repeating: "e", count: 64),
                    ],
                ]
            ],
        ])
        let report = try ScanParser.parse(bytes)
        #expect(report.digest?.rawValue == "sha256:" + hex)
        #expect(report.aliases == ["sha256:" + String(repeating: "e", count: 64)])
        #expect(report.repositories == ["registry.example.com/app"])
        #expect(report.scannerVersion == "0.50.0")
    }

    @Test func trivySecretResultsBecomeSecretsWithoutTheMatch() throws {
        let bytes = try ScanFixtures.encode([
            "version": "2.1.0",
            "runs": [
                [
                    "tool": [
                        "driver": [
                            "name": "Trivy",
                            "rules": [
                                [
                                    "id": "aws-access-key-id", "name": "Secret", "shortDescription": ["text": "AWS Access Key ID"],
                                    "properties": ["tags": ["secret", "security", "CRITICAL"]],
                                ]
                            ],
                        ]
                    ],
                    "results": [
                        [
                            "ruleId": "aws-access-key-id", "ruleIndex": 0, "level": "error",
                            "message": [
                                "text": "Artifact: deploy.sh\nType: \nSecret AWS Access Key ID\nSeverity: CRITICAL\nMatch: AKIAIOSFODNN7EXAMPLE"
                            ],
                            "locations": [["physicalLocation": ["artifactLocation": ["uri": "deploy.sh"], "region": ["startLine": 3]]]],
                        ]
                    ],
                ]
            ],
        ])
        let report = try ScanParser.parse(bytes)
        #expect(report.findings.isEmpty)
        #expect(
            report.secrets == [SecretFinding(ruleID: "aws-access-key-id", title: "AWS Access Key ID", severity: .critical, location: "deploy.sh:3")])
        #expect(!String(describing: report).contains("AKIA"))
    }

    @Test func legacyBracketedRuleIDsAreStripped() throws {
        let bytes = try ScanFixtures.encode([
            "version": "2.1.0",
            "runs": [["tool": ["driver": ["name": "Trivy"]], "results": [["ruleId": "[HIGH] CVE-2020-0001", "message": ["text": "x"]]]]],
        ])
        let finding = try #require(try ScanParser.parse(bytes).findings.first)
        #expect(finding.id == "CVE-2020-0001" && finding.severity == .high)
    }

    @Test func otherSARIFVersionsAreRefused() throws {
        let old = try ScanFixtures.encode(["version": "2.0.0", "runs": []])
        #expect(evidenceError { _ = try ScanParser.parse(old) }?.kind == .unsupported)
        #expect(evidenceError { _ = try ScanParser.parse(old, format: .sarif) }?.kind == .invalid)
    }
}

extension SARIFParserTests {
    @Test(arguments: [
        ("trivy-alpine-310.sarif.golden", 4, [0, 0, 4, 0, 0]),
        ("defectdojo-grype-cxf-3.4.6.sarif", 22, nil),
        ("secobserve-checkov.sarif", 4, [0, 0, 0, 0, 4]),
        // 8 results, but each leak is reported for two commits at the same file and line.
        ("defectdojo-gitleaks_7.5.0.sarif", 4, [0, 0, 0, 0, 4]),
        ("defectdojo-dependency_check.sarif", 13, nil),
    ])
    func countsMatchTheFixtureReadme(name: String, findings: Int, counts: [Int]?) throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("sarif", name), format: .sarif)
        #expect(report.findings.count == findings)
        if let counts {
            #expect([Severity.critical, .high, .medium, .low, .unknown].map { report.counts[$0] } == counts)
        }
    }
}
