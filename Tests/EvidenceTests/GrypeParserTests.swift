import Domain
import Evidence
import Foundation
import Testing

@Suite struct GrypeParserTests {
    @Test(arguments: ScanFixtures.names("grype"))
    func countsMatchTheRawReport(name: String) throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", name))
        let expected = Expected.grype(try ScanFixtures.json("grype", name))
        #expect(report.format == .grype)
        #expect(report.scanner == "grype")
        #expect(report.findings.count == expected.unique)
        for severity in Severity.allCases {
            #expect(report.counts[severity] == expected.count(severity), "\(name) \(severity)")
        }
        #expect(report.secrets.isEmpty)
    }

    @Test(arguments: [
        ("analysis-model-grype-alpine-3.18.3.json", [3, 7, 7, 12, 4]),
        ("defectdojo-grype-many_vulns3-debian10.json", [5, 24, 155, 27 + 106, 10]),
        ("defectdojo-grype-issue_9618-ubi8.json", [1, 18, 13, 2, 1]),
        ("defectdojo-grype-busybox-epss.json", [1, 10, 2, 2, 0]),
        ("grype-explain-keycloak-test.json", [0, 0, 0, 6, 0]),
        ("defectdojo-grype-no_vuln.json", [0, 0, 0, 0, 0]),
    ])
    func countsMatchTheFixtureReadme(name: String, counts: [Int]) throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", name), format: .grype)
        #expect([Severity.critical, .high, .medium, .low, .unknown].map { report.counts[$0] } == counts)
    }

    @Test func duplicateMatchesAreCountedOnce() throws {
        let name = "defectdojo-grype-check_all_fields.json"
        let raw = try ScanFixtures.json("grype", name)
        #expect((raw["matches"] as? [Any])?.count == 6)
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", name))
        // README: 2 Critical, 3 High, 1 Negligible; GHSA-v6rh-hp5x-86rv / Django 3.2.9 appears twice.
        #expect(report.findings.count == 5)
        #expect(report.findings.filter { $0.id == "GHSA-v6rh-hp5x-86rv" }.count == 1)
        #expect([Severity.critical, .high, .low].map { report.counts[$0] } == [2, 2, 1])
        let redis = try #require(report.findings.first { $0.package == "redis" })
        #expect(redis.fixedVersion == "fix_1, fix_2")
        #expect(redis.status == "wont-fix")
        let django = try #require(report.findings.first { $0.package == "Django" })
        #expect(django.fixedVersion == "3.2.10" && django.status == "fixed")
    }

    @Test func negligibleBecomesLow() throws {
        let name = "defectdojo-grype-many_vulns3-debian10.json"
        let raw = try ScanFixtures.json("grype", name)
        let negligibleKeys = Set(
            (raw["matches"] as? [[String: Any]] ?? []).compactMap { match -> String? in
                let vulnerability = match["vulnerability"] as? [String: Any] ?? [:]
                let artifact = match["artifact"] as? [String: Any] ?? [:]
                guard vulnerability["severity"] as? String == "Negligible" else { return nil }
                return [vulnerability["id"], artifact["name"], artifact["version"]].map { $0 as? String ?? "" }.joined(separator: "|")
            })
        #expect(negligibleKeys.count == 106)
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", name))
        let negligible = report.findings.filter { negligibleKeys.contains([$0.id, $0.package, $0.installedVersion].joined(separator: "|")) }
        #expect(negligible.count == 106)
        #expect(negligible.allSatisfy { $0.severity == .low })
        let single = try ScanFixtures.encode([
            "matches": [["vulnerability": ["id": "CVE-1", "severity": "Negligible"], "artifact": ["name": "bash", "version": "5"]]],
            "source": ["type": "image"],
        ])
        #expect(try ScanParser.parse(single).findings.map(\.severity) == [.low])
    }

    @Test func nullAndUnknownSeveritiesAreUnknown() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", "defectdojo-grype-issue_9618-ubi8.json"))
        #expect(report.counts[.unknown] == 1)
        let odd = try ScanFixtures.encode([
            "matches": [
                ["vulnerability": ["id": "CVE-1", "severity": "Whatever"], "artifact": ["name": "a", "version": "1"]],
                ["vulnerability": ["id": "CVE-2"], "artifact": ["name": "a", "version": "1"]],
            ],
            "descriptor": ["name": "grype"],
        ])
        #expect(try ScanParser.parse(odd).findings.map(\.severity) == [.unknown, .unknown])
    }

    @Test func manifestDigestIsTheDigestAndImageIDAnAlias() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", "analysis-model-grype-alpine-3.18.3.json"))
        #expect(report.digest?.rawValue == "sha256:928df2c283e29649ede73a58d79612c0d75bda7ec0f9d8f1706d7e24149a07f4")
        #expect(report.aliases == ["sha256:6877f5aabc34414d9fadf365a8eeb74fd7918a0275c3c1821977fc356fac45e0"])
        #expect(report.repositories == ["gitea/gitea"])
        #expect(report.scannerVersion == "0.71.0")
        #expect(report.scannedAt == Timestamp.parse("2023-10-18T13:08:28.564089666+02:00"))
    }

    @Test func manifestDigestWinsOverRepoDigests() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", "grype-explain-keycloak-test.json"))
        #expect(report.digest?.rawValue == "sha256:d1630d3eb8285a978301bcefc5b223e564ae300750af2fc9ea3f413c5376a47e")
        #expect(!report.aliases.contains("sha256:d1630d3eb8285a978301bcefc5b223e564ae300750af2fc9ea3f413c5376a47e"))
        #expect(report.aliases == ["sha256:8cf8fd2be2ded92962d52adff75ad06a4c30f69c66facbdf223364c6c9e33b8c"])
        #expect(report.repositories == ["keycloak/keycloak"])
    }

    @Test func repoDigestsAreTheFallbackAndConfigIDAnAlias() throws {
        let manifest = String(repeating: "ab", count: 32), config = String(repeating: "cd", count: 32)
        let bytes = try ScanFixtures.encode([
            "matches": [],
            "source": [
                "type": "image",
                "target": [
                    "userInput": "registry.example.com/app:1", "imageID": "sha256:" + config, "configID": "sha256:" + config,
                    "repoDigests": ["registry.example.com/app@sha256:" + manifest], "tags": ["registry.example.com/app:1"],
                ],
            ],
        ])
        let report = try ScanParser.parse(bytes)
        #expect(report.digest?.rawValue == "sha256:" + manifest)
        #expect(report.aliases == ["sha256:" + config])
        #expect(report.repositories == ["registry.example.com/app"])
    }

    @Test func directorySourcesHaveNoDigest() throws {
        let bytes = try ScanFixtures.encode([
            "matches": [["vulnerability": ["id": "CVE-1", "severity": "High"], "artifact": ["name": "a", "version": "1"]]],
            "source": ["type": "directory", "target": "/src"],
        ])
        let report = try ScanParser.parse(bytes)
        #expect(report.digest == nil && report.imageConfig == nil)
        #expect(report.counts[.high] == 1)
    }

    @Test func oldGrypeLinksAreTheURL() throws {
        let report = try ScanParser.parse(try ScanFixtures.bytes("grype", "defectdojo-grype-many_vulns3-debian10.json"))
        let first = try #require(report.findings.first)
        #expect(first.id == "CVE-2019-18276" && first.package == "bash" && first.installedVersion == "5.0-4")
        #expect(first.url == "https://security-tracker.debian.org/tracker/CVE-2019-18276")
        #expect(first.fixedVersion == nil && first.status == nil)
    }
}
