import Domain
import Evidence
import Foundation
import Testing

@Suite struct SBOMParserTests {
    @Test(arguments: ScanFixtures.names("cyclonedx"))
    func cycloneDXComponentsAreCountedRecursively(name: String) throws {
        let raw = try ScanFixtures.json("cyclonedx", name)
        let summary = try SBOMParser.parse(try ScanFixtures.bytes("cyclonedx", name))
        let top = raw["components"] as? [[String: Any]] ?? []
        #expect(summary.format == .cyclonedx)
        #expect(summary.specVersion == raw["specVersion"] as? String)
        #expect(summary.componentCount == Expected.cycloneDXCount(raw["components"]))
        #expect(summary.topLevel.count == min(top.count, 500))
        for (component, entry) in zip(summary.topLevel, top) {
            #expect(component.name == entry["name"] as? String)
            #expect(component.version == nonEmpty(entry["version"]))
            #expect(component.purl == nonEmpty(entry["purl"]))
        }
    }

    @Test(arguments: [
        ("trivy-fluentd-multiple-lockfiles.cdx.json.golden", 161), ("defectdojo-trivy-ubuntu-issue_9277.cdx.json", 102),
        ("defectdojo-grype-log4j.cdx.json", 1), ("witness-syft-alpine.cdx.json", 15), ("bom-examples-laravel-7.12.0.bom.1.4.json", 62),
        ("bom-examples-vex.json", 0),
    ])
    func cycloneDXCountsMatchTheFixtureReadme(name: String, components: Int) throws {
        #expect(try SBOMParser.parse(try ScanFixtures.bytes("cyclonedx", name)).componentCount == components)
    }

    @Test(arguments: ScanFixtures.names("spdx"))
    func spdxPackagesAreCounted(name: String) throws {
        let raw = try ScanFixtures.json("spdx", name)
        let summary = try SBOMParser.parse(try ScanFixtures.bytes("spdx", name))
        let packages = raw["packages"] as? [[String: Any]] ?? []
        #expect(summary.format == .spdx)
        #expect(summary.specVersion == raw["spdxVersion"] as? String)
        #expect(summary.componentCount == packages.count)
        #expect(summary.topLevel.count == min(packages.count, 500))
        for (component, package) in zip(summary.topLevel, packages) {
            #expect(component.name == package["name"] as? String)
            #expect(component.version == nonEmpty(package["versionInfo"]), "empty versions are reported as none")
            let purl =
                (package["externalRefs"] as? [[String: Any]] ?? []).first {
                    $0["referenceType"] as? String == "purl"
                        && ["PACKAGE-MANAGER", "PACKAGE_MANAGER"].contains($0["referenceCategory"] as? String ?? "")
                }?["referenceLocator"] as? String
            #expect(component.purl == purl)
        }
    }

    @Test(arguments: [
        ("SPDXJSONExample-v2.3.spdx.json", 4), ("witness-syft-alpine.spdx.json", 15), ("secobserve-trivy-secobserve-backend.spdx.json", 124),
        ("scan2html-trivy-alpine-3.15.spdx.json", 16), ("trivy-conda-spdx.json.golden", 3), ("guac-syft-alpine-spdx-2.2.json", 14),
    ])
    func spdxCountsMatchTheFixtureReadme(name: String, packages: Int) throws {
        #expect(try SBOMParser.parse(try ScanFixtures.bytes("spdx", name)).componentCount == packages)
    }

    @Test(
        arguments: [
            ("cyclonedx", "defectdojo-trivy-ubuntu-issue_9277.cdx.json", "sha256:6042500cf4b44023ea1894effe7890666b0c5c7871ed83a97c36c76ae560bb9b"),
            ("cyclonedx", "witness-syft-alpine.cdx.json", "sha256:1c3b93ed450e26eac89b471d6d140e2f99488f489739b8b8ea5e8202dd086f82"),
            ("cyclonedx", "trivy-fluentd-multiple-lockfiles.cdx.json.golden", nil),
            ("cyclonedx", "bom-examples-laravel-7.12.0.bom.1.4.json", nil),
            ("spdx", "scan2html-trivy-alpine-3.15.spdx.json", "sha256:19b4bcc4f60e99dd5ebdca0cbce22c503bbcff197549d7e19dab4f22254dc864"),
            ("spdx", "secobserve-trivy-secobserve-backend.spdx.json", "sha256:ce5416f0ca293e258ac5c7d8500eb41198064904379c6b033416772e07c3cf36"),
            ("spdx", "witness-syft-alpine.spdx.json", "sha256:1c3b93ed450e26eac89b471d6d140e2f99488f489739b8b8ea5e8202dd086f82"),
            ("spdx", "trivy-conda-spdx.json.golden", nil),
            ("spdx", "SPDXJSONExample-v2.3.spdx.json", nil),
        ] as [(String, String, String?)])
    func theDescribedImageDigestIsFound(kind: String, name: String, digest: String?) throws {
        #expect(try SBOMParser.parse(try ScanFixtures.bytes(kind, name)).digest?.rawValue == digest)
    }

    @Test func trivyImageIDIsNeverTheSBOMDigest() throws {
        // fluentd's metadata.component only names aquasecurity:trivy:ImageID (the config digest).
        let summary = try SBOMParser.parse(try ScanFixtures.bytes("cyclonedx", "trivy-fluentd-multiple-lockfiles.cdx.json.golden"))
        #expect(summary.digest == nil)
    }

    @Test func nestedComponentsCountButOnlyTheFirstFiveHundredTopLevelAreListed() throws {
        let nested: [[String: Any]] = (0..<600).map { index in
            [
                "type": "library", "name": "c\(index)", "version": "1",
                "components": [["type": "file", "name": "inner\(index)", "components": [["name": "deep"]]]],
            ]
        }
        let summary = try SBOMParser.parse(try ScanFixtures.encode(["bomFormat": "CycloneDX", "specVersion": "1.5", "components": nested]))
        #expect(summary.componentCount == 1_800)
        #expect(summary.topLevel.count == 500)
        #expect(summary.topLevel.first == SBOMComponent(name: "c0", version: "1", purl: nil))
        #expect(summary.topLevel.last?.name == "c499")
    }

    @Test func ociPurlDigestIsPercentDecoded() throws {
        let hex = String(repeating: "9a", count: 32)
        let bom: [String: Any] = [
            "bomFormat": "CycloneDX", "specVersion": "1.6",
            "metadata": ["component": ["type": "container", "name": "app", "purl": "pkg:oci/app@sha256%3a\(hex)?repository_url=registry%2Fapp"]],
        ]
        #expect(try SBOMParser.parse(try ScanFixtures.encode(bom)).digest?.rawValue == "sha256:" + hex)
        let notOCI: [String: Any] = [
            "bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": ["component": ["name": "lib", "purl": "pkg:npm/lib@sha256%3A\(hex)"]],
        ]
        #expect(try SBOMParser.parse(try ScanFixtures.encode(notOCI)).digest == nil)
    }

    @Test(arguments: [
        #"{"foo": 1}"#, #"[1]"#, #"{"bomFormat": "SomethingElse", "specVersion": "1.5"}"#, #"{"bomFormat": "CycloneDX", "specVersion": "1.1"}"#,
        #"{"spdxVersion": "SPDX-3.0", "packages": []}"#, #"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>"#,
    ])
    func otherDocumentsAreUnsupported(body: String) {
        #expect(evidenceError { _ = try SBOMParser.parse(Array(body.utf8)) }?.kind == .unsupported)
    }

    @Test func brokenDocumentsAreMalformedOrInvalid() {
        #expect(evidenceError { _ = try SBOMParser.parse(Array(#"{"bomFormat": "CycloneDX", "#.utf8)) }?.kind == .malformed)
        #expect(evidenceError { _ = try SBOMParser.parse(Array("SPDXVersion: SPDX-2.3".utf8)) }?.kind == .malformed)
        #expect(evidenceError { _ = try SBOMParser.parse(Array(#"{"bomFormat": "CycloneDX"}"#.utf8)) }?.kind == .invalid)
        #expect(evidenceError { _ = try SBOMParser.parse(Array(#"{"spdxVersion": "SPDX-2.3", "packages": {}}"#.utf8)) }?.kind == .invalid)
        let deep = Array((#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": "# + String(repeating: "[", count: 70)).utf8)
        #expect(evidenceError { _ = try SBOMParser.parse(deep) }?.message == "JSON nested deeper than 64 levels")
    }
}

/// A string value, with "" read as absent.
private func nonEmpty(_ value: Any?) -> String? {
    guard let text = value as? String, !text.isEmpty else { return nil }
    return text
}
