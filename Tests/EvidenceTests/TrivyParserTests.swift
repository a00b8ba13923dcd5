import Domain
import Evidence
import Foundation
import Testing

@Suite struct TrivyParserTests {
    @Test(arguments: ScanFixtures.names("trivy"))
    func countsMatchTheRawReport(name: String) throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", name))
        let expected = Expected.trivy(try ScanFixtures.json("trivy", name))
        #expect(report.format == .trivy)
        #expect(report.scanner == "trivy")
        #expect(report.findings.count == expected.unique)
        for severity in Severity.allCases {
            #expect(report.counts[severity] == expected.count(severity), "\(name) \(severity)")
        }
        #expect(report.secrets.count == expected.secrets)
        #expect(Set(report.findings.map(\.dedupKey)).count == report.findings.count)
    }

    @Test(arguments: [
        ("trivy-2021-debian-stretch.json.golden", [12, 24, 20, 104, 0]),
        ("trivy-2021-distroless-python27.json.golden", [11, 13, 24, 55, 0]),
        ("trivy-2021-oraclelinux-8-slim.json.golden", [3, 15, 22, 0, 0]),
        ("trivy-2021-photon-20.json.golden", [9, 12, 7, 1, 0]),
        ("trivy-alpine-39.json.golden", [2, 0, 4, 0, 0]),
        ("trivy-fluentd-gems.json.golden", [1, 1, 0, 0, 0]),
        ("defectdojo-trivy-all_statuses.json", [0, 0, 0, 8, 0]),
    ])
    func countsMatchTheFixtureReadme(name: String, counts: [Int]) throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", name), format: .trivy)
        #expect([Severity.critical, .high, .medium, .low, .unknown].map { report.counts[$0] } == counts)
    }

    @Test func manifestDigestComesFromRepoDigestsAndImageIDIsOnlyAnAlias() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", "steadybit-checkout-go-trivy-results.json"))
        #expect(report.digest?.rawValue == "sha256:83508b68ad4cc406d89f3493f339a6203ddc91160fe04ad6c21f2a4c351ba54e")
        #expect(report.aliases == ["sha256:2f4f64201862fb6bfaa0a4bb4037395f52d6037bb2df24f4f3a7a5331426d962"])
        #expect(report.repositories == ["ghcr.io/steadybit/checkout-go"])
        #expect(report.scannerVersion == "0.69.3")
        #expect(report.scannedAt == Timestamp.parse("2026-04-23T04:04:34.785526087Z"))
        #expect(report.findings.isEmpty)
    }

    @Test func aReportWithoutRepoDigestsNamesNoDigestEvenWithAnImageID() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", "trivy-alpine-39.json.golden"))
        #expect(report.digest == nil)
        #expect(report.aliases == ["sha256:055936d3920576da37aa9bc460d70c5f212028bda1c08c0879aedf03d7a66ea1"])
        #expect(report.repositories == ["ghcr.io/aquasecurity/trivy-test-images"])
        #expect(report.scannerVersion == "dev")
        #expect(report.scannedAt == Timestamp.parse("2021-08-25T12:20:30Z"))
    }

    @Test func emptyRepoDigestStringsAreIgnored() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", "defectdojo-trivy-all_statuses.json"))
        #expect(report.digest == nil)
        #expect(report.repositories.isEmpty)
        #expect(report.scannedAt != nil)
        #expect(report.scannerVersion == nil)
        let statuses = Set(report.findings.compactMap(\.status))
        #expect(
            statuses == ["unknown", "not_affected", "affected", "fixed", "under_investigation", "will_not_fix", "fix_deferred", "end_of_life"])
    }

    @Test func findingFieldsAreTakenFromTheVulnerability() throws {
        let name = "trivy-alpine-39.json.golden"
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", name))
        let raw = try #require(
            ((try ScanFixtures.json("trivy", name)["Results"] as? [[String: Any]])?.first?["Vulnerabilities"] as? [[String: Any]])?.first)
        let finding = try #require(report.findings.first)
        #expect(finding.id == raw["VulnerabilityID"] as? String)
        #expect(finding.package == raw["PkgName"] as? String)
        #expect(finding.installedVersion == raw["InstalledVersion"] as? String)
        #expect(finding.fixedVersion == raw["FixedVersion"] as? String)
        #expect(finding.severity.rawValue == raw["Severity"] as? String)
        #expect(finding.status == raw["Status"] as? String)
        #expect(finding.title == raw["Title"] as? String)
        #expect(finding.url == raw["PrimaryURL"] as? String)
    }

    @Test func secretsKeepRuleTitleAndPlaceButNeverTheMatchedText() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", "trivy-secrets.json.golden"))
        #expect(report.secrets.map(\.ruleID) == ["aws-access-key-id", "mysecret"])
        #expect(report.secrets.map(\.location) == ["deploy.sh:3", "deploy.sh:7"])
        #expect(report.secrets.map(\.severity) == [.critical, .high])
        #expect(report.secrets.map(\.title) == ["AWS Access Key ID", "My Secret"])
        let text = String(describing: report)
        for leaked in ["ghp_", "0123456789ABCDEF", "AKIA", "****", "export", "echo"] {
            #expect(!text.contains(leaked), "\(leaked) leaked into the report")
        }
    }

    @Test func filesystemReportMixesVulnerabilitiesMisconfigurationsAndSecrets() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", "defectdojo-trivy-misconfigurations_and_secrets.json"))
        #expect(report.findings.count == 2)
        #expect(report.counts[.high] == 1 && report.counts[.medium] == 1)
        #expect(report.secrets.map(\.location) == ["Dockerfile:24", "secret.txt:1"])
        #expect(report.imageConfig == nil, "an empty ImageConfig of a filesystem scan says nothing about an image")
        #expect(!String(describing: report).contains("GITHUB_PAT"))
    }

    @Test(arguments: ["trivy-dockerfile.json.golden", "trivy-helm.json.golden"])
    func misconfigurationOnlyReportsHaveNoFindings(name: String) throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("trivy", name))
        #expect(report.findings.isEmpty)
        #expect(report.secrets.isEmpty)
        #expect(report.digest == nil)
    }

    @Test func imageIDNeverBecomesTheDigest() throws {
        let configDigest = "sha256:" + String(repeating: "c", count: 64)
        let manifestHex = String(repeating: "A", count: 64)
        let base: [String: Any] = [
            "SchemaVersion": 2, "ArtifactName": "registry.example.com/team/app:1.2",
            "Metadata": ["ImageID": configDigest, "RepoTags": ["registry.example.com:5000/team/app:1.2"]],
        ]
        let withoutRepoDigest = try ScanParser.parse(try ScanFixtures.encode(base))
        #expect(withoutRepoDigest.digest == nil)
        #expect(withoutRepoDigest.aliases == [configDigest])
        #expect(withoutRepoDigest.repositories == ["registry.example.com:5000/team/app"])

        var pinned = base
        pinned["Metadata"] = [
            "ImageID": configDigest, "RepoDigests": ["registry.example.com/team/app@sha256:" + manifestHex],
            "RepoTags": ["registry.example.com/team/app:1.2"],
        ]
        let report = try ScanParser.parse(try ScanFixtures.encode(pinned))
        #expect(report.digest?.rawValue == "sha256:" + manifestHex.lowercased())
        #expect(report.aliases == [configDigest])
        #expect(report.repositories == ["registry.example.com/team/app"])
    }

    @Test func otherSchemaVersionsAreUnsupported() throws {
        let bytes = try ScanFixtures.encode(["SchemaVersion": 3, "Results": []])
        #expect(evidenceError { _ = try ScanParser.parse(bytes) }?.kind == .unsupported)
    }
}
