import Crypto
import Domain
import Evidence
import Foundation
import Testing

/// Signed scans and SBOMs: predicates handed on to the scan and SBOM parsers.
@Suite struct AttestationPredicateTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private static let vulnType = "https://cosign.sigstore.dev/attestation/vuln/v1"

    /// A small Trivy SchemaVersion 2 report: 2 CRITICAL, 1 HIGH, 1 MEDIUM, 1 LOW.
    private static let trivyReport = """
        {"SchemaVersion":2,"ArtifactName":"ghcr.io/org/app@sha256:\(Builder.digestA)","ArtifactType":"container_image",
         "Metadata":{"OS":{"Family":"alpine","Name":"3.19.1"},"RepoDigests":["ghcr.io/org/app@sha256:\(Builder.digestA)"]},
         "Results":[{"Target":"ghcr.io/org/app (alpine 3.19.1)","Class":"os-pkgs","Type":"alpine","Vulnerabilities":[
           {"VulnerabilityID":"CVE-2024-0001","PkgName":"openssl","InstalledVersion":"3.1.4-r0","FixedVersion":"3.1.4-r5","Severity":"CRITICAL"},
           {"VulnerabilityID":"CVE-2024-0002","PkgName":"openssl","InstalledVersion":"3.1.4-r0","Severity":"CRITICAL"},
           {"VulnerabilityID":"CVE-2024-0003","PkgName":"busybox","InstalledVersion":"1.36.1-r15","FixedVersion":"1.36.1-r16","Severity":"HIGH"},
           {"VulnerabilityID":"CVE-2024-0004","PkgName":"zlib","InstalledVersion":"1.3-r2","Severity":"MEDIUM"},
           {"VulnerabilityID":"CVE-2024-0005","PkgName":"musl","InstalledVersion":"1.2.4-r2","Severity":"LOW","CVSS":{"nvd":{"V3Score":3.1}}}]}]}
        """

    private func verdict(_ predicateType: String, _ predicate: String) throws -> AttestationVerdict {
        let key = try PrivateKey.generate(.ed25519)
        let statement = Builder.statement(
            type: "https://in-toto.io/Statement/v0.1", subjects: [("ghcr.io/org/app", ["sha256": Builder.digestA])], predicateType: predicateType,
            predicate: predicate)
        return AttestationVerifier(keys: [Kit.trusted(key.publicKey)]).verify(try Builder.envelope(statement, signedBy: [key]))
    }

    private func vulnPredicate(scanner: String) -> String {
        """
        {"invocation":{"parameters":null,"uri":"https://github.com/org/app/actions/runs/1","event_id":"1","builder.id":"github"},
         \(scanner),
         "metadata":{"scanStartedOn":"2024-05-01T09:59:00Z","scanFinishedOn":"2024-05-01T10:00:00Z"}}
        """
    }

    @Test func aCosignVulnerabilityAttestationBecomesASignedScan() throws {
        let predicate = vulnPredicate(
            scanner:
                #""scanner":{"uri":"pkg:github/aquasecurity/trivy@v0.50.0","version":"0.50.0","db":{"uri":"","version":""},"result":\#(Self.trivyReport)}"#
        )
        let result = try verdict(Self.vulnType, predicate)
        guard case .verified(let attestation) = result, case .vulnerabilityScan(let report) = attestation.predicate else {
            Issue.record("expected a vulnerability scan, got \(result)")
            return
        }
        #expect(report.format == .trivy)
        #expect(report.findings.count == 5)
        #expect(report.counts[.critical] == 2)
        #expect(report.counts[.high] == 1)
        #expect(report.counts[.medium] == 1)
        #expect(report.counts[.low] == 1)
        #expect(report.counts[.unknown] == 0)
        #expect(report.scannedAt != nil)
    }

    @Test func readsTheScannersArraySpellingToo() throws {
        let predicate = vulnPredicate(scanner: #""scanners":[{"uri":"pkg:github/aquasecurity/trivy","result":\#(Self.trivyReport)}]"#)
        guard case .verified(let attestation) = try verdict(Self.vulnType, predicate), case .vulnerabilityScan(let report) = attestation.predicate
        else {
            Issue.record("expected a vulnerability scan")
            return
        }
        #expect(report.counts.total == 5)
    }

    @Test func refusesAVulnerabilityAttestationWithoutAReadableResult() throws {
        #expect(
            try verdict(Self.vulnType, vulnPredicate(scanner: #""other":1"#)) == .rejected(["cosign vulnerability predicate: scanner is missing"]))
        #expect(
            try verdict(Self.vulnType, vulnPredicate(scanner: #""scanner":{"uri":"x"}"#))
                == .rejected(["cosign vulnerability predicate: scanner.result is missing"]))
        guard case .rejected(let reasons) = try verdict(Self.vulnType, vulnPredicate(scanner: #""scanner":{"result":{"hello":"world"}}"#)) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reasons.count == 1)
        #expect(reasons[0].hasPrefix("cosign vulnerability predicate: scanner.result: "))
    }

    @Test func anSPDXPredicateBecomesAnSBOMSummary() throws {
        let spdx = """
            {"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"app","documentNamespace":"https://example.com/app",
             "creationInfo":{"created":"2024-05-01T10:00:00Z","creators":["Tool: syft-1.0.0"]},
             "packages":[{"SPDXID":"SPDXRef-a","name":"musl","versionInfo":"1.2.4-r2","downloadLocation":"NOASSERTION"},
                         {"SPDXID":"SPDXRef-b","name":"zlib","versionInfo":"1.3-r2","downloadLocation":"NOASSERTION"}]}
            """
        for type in ["https://spdx.dev/Document", "https://spdx.dev/Document/v2.3"] {
            guard case .verified(let attestation) = try verdict(type, spdx), case .sbom(let summary) = attestation.predicate else {
                Issue.record("expected an SBOM for \(type)")
                continue
            }
            #expect(summary.format == .spdx)
            #expect(summary.componentCount == 2)
        }
    }

    @Test func aVersionedCycloneDXPredicateBecomesAnSBOMSummary() throws {
        let bom = #"{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"components":[{"type":"library","name":"musl","version":"1.2.4-r2"}]}"#
        guard case .verified(let attestation) = try verdict("https://cyclonedx.org/bom/v1.4", bom), case .sbom(let summary) = attestation.predicate
        else {
            Issue.record("expected an SBOM")
            return
        }
        #expect(summary.format == .cyclonedx)
        #expect(summary.componentCount == 1)
    }

    @Test func anSBOMPredicateThatIsNoSBOMIsRefused() throws {
        guard case .rejected(let reasons) = try verdict("https://cyclonedx.org/bom", #"{"hello":"world"}"#) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reasons.count == 1 && reasons[0].hasPrefix("SBOM predicate: "))
        #expect(try verdict("https://spdx.dev/Document", "{}") == .rejected(["SBOM predicate: the predicate is empty"]))
    }

    @Test func unknownPredicatesAreKeptOpaque() throws {
        guard case .verified(let attestation) = try verdict("https://openvex.dev/ns", #"{"statements":[]}"#) else {
            Issue.record("expected to verify")
            return
        }
        #expect(attestation.predicate == .opaque)
    }

    @Test func theSBOMIsReadFromTheFirstPredicateMemberAsTheDecoderReadsIt() throws {
        // Duplicate and escaped member names: the statement reader and the SBOM hand-off must agree on one value.
        let key = try PrivateKey.generate(.ed25519)
        let bom =
            #"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"a"},{"type":"library","name":"b"}]}"#
        let payloads = [
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"\#(Builder.digestA)"}}],"predicateType":"https://cyclonedx.org/bom","predicate":\#(bom),"predicate":{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}}"#,
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"\#(Builder.digestA)"}}],"predicateType":"https://cyclonedx.org/bom","pred\u0069cate":\#(bom)}"#,
            "\u{FEFF}"
                + #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"\#(Builder.digestA)"}}],"predicateType":"https://cyclonedx.org/bom","predicate" : \#(bom) }"#,
        ]
        for payload in payloads {
            let envelope = try Builder.envelope(Array(payload.utf8), signedBy: [key])
            guard case .verified(let attestation) = AttestationVerifier(keys: [Kit.trusted(key.publicKey)]).verify(envelope),
                case .sbom(let summary) = attestation.predicate
            else {
                Issue.record("expected an SBOM for \(payload.prefix(40))")
                continue
            }
            #expect(summary.componentCount == 2)
        }
    }

    @Test func aScannerResultOfTheWrongTypeIsNamed() throws {
        #expect(
            try verdict(Self.vulnType, vulnPredicate(scanner: #""scanner":{"result":"{}"}"#))
                == .rejected(["cosign vulnerability predicate: scanner.result must be an object, not a string"]))
        #expect(
            try verdict(Self.vulnType, vulnPredicate(scanner: #""scanners":[7]"#))
                == .rejected(["cosign vulnerability predicate: scanners[0] must be an object, not a number"]))
        #expect(
            try verdict(Self.vulnType, vulnPredicate(scanner: #""scanner":[]"#))
                == .rejected(["cosign vulnerability predicate: scanner must be an object, not an array"]))
    }
}
