import Domain
@testable import Evidence
import Foundation
import Testing

/// Kept text is bounded, so a document made of one enormous string cannot multiply in memory or in the database.
@Suite struct KeptTextTests {
    static let limit = KeptText.maxBytes

    @Test func shortTextIsKeptAsIs() {
        #expect(KeptText.bounded("CVE-2024-0001") == "CVE-2024-0001")
        #expect(KeptText.bounded(String(repeating: "a", count: Self.limit)) == String(repeating: "a", count: Self.limit))
        #expect(KeptText.bounded(nil as String?) == nil)
    }

    @Test func longTextIsCutAtACharacterBoundary() {
        #expect(KeptText.bounded(String(repeating: "a", count: Self.limit + 1)).utf8.count == Self.limit)
        // "é" is 2 bytes and "😀" 4: a cut inside either drops the whole character, never leaves half of it.
        for filler in ["é", "😀", "a😀"] {
            let cut = KeptText.bounded("x" + String(repeating: filler, count: Self.limit))
            #expect(cut.utf8.count <= Self.limit && cut.utf8.count > Self.limit - 4)
            #expect(!cut.unicodeScalars.contains("\u{FFFD}"))
            #expect(("x" + String(repeating: filler, count: Self.limit)).hasPrefix(cut))
        }
    }

    @Test func aTrivyTitleAndPackageOfMegabytesAreKeptBounded() throws {
        let huge = String(repeating: "T", count: 3 << 20)
        let report = try ScanParser.parse(
            try ScanFixtures.encode([
                "SchemaVersion": 2, "ArtifactName": "app",
                "Results": [
                    ["Target": "t", "Vulnerabilities": [
                        ["VulnerabilityID": "CVE-2024-0001", "PkgName": huge, "InstalledVersion": "1", "Severity": "HIGH", "Title": huge]
                    ]]
                ],
            ]))
        let finding = try #require(report.findings.first)
        #expect(finding.title?.utf8.count == Self.limit)
        #expect(finding.package.utf8.count == Self.limit)
        #expect(finding.severity == .high)
        #expect(finding.id == "CVE-2024-0001")
    }

    @Test func findingsThatDifferOnlyPastTheBoundCountOnceAtTheWorstSeverity() throws {
        let base = String(repeating: "p", count: Self.limit)
        let vulnerability = { (package: String, severity: String) -> [String: Any] in
            ["VulnerabilityID": "CVE-2024-0001", "PkgName": package, "InstalledVersion": "1", "Severity": severity]
        }
        let report = try ScanParser.parse(
            try ScanFixtures.encode([
                "SchemaVersion": 2, "ArtifactName": "app",
                "Results": [["Target": "t", "Vulnerabilities": [vulnerability(base + "a", "LOW"), vulnerability(base + "b", "CRITICAL")]]],
            ]))
        #expect(report.findings.count == 1)
        #expect(report.findings.first?.severity == .critical)
    }

    @Test func anSBOMComponentNameOfMegabytesIsKeptBounded() throws {
        let huge = String(repeating: "N", count: 3 << 20)
        let document = try JSONSerialization.data(withJSONObject: [
            "bomFormat": "CycloneDX", "specVersion": "1.5", "components": [["type": "library", "name": huge, "version": huge, "purl": huge]],
        ])
        let summary = try SBOMParser.parse(Array(document))
        let component = try #require(summary.topLevel.first)
        #expect(component.name.utf8.count == Self.limit)
        #expect(component.version?.utf8.count == Self.limit)
        #expect(component.purl?.utf8.count == Self.limit)
    }
}
