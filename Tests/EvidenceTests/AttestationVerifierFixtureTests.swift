import Crypto
import Domain
import Evidence
import Foundation
import Testing

/// Every envelope in Fixtures/dsse against the key the fixtures README says verifies it, and against the others.
@Suite struct AttestationVerifierFixtureTests {
    private typealias Kit = AttestationTestKit

    /// The keys that verify something, by fixture name.
    private static let keyFixtures = [
        "grype-cosign.pub", "grype-another_cosign.pub", "slsa-verifier-vsa_signing_public_key.pem", "witness-testpub.pem",
        "attestation-verifier-key.derived.pem", "scai-key-1f575092.derived.pem", "scai-key-452e628a.derived.pem",
        "in-toto-golang-alice.pub", "in-toto-carl.pub",
    ]
    private static let certificateFixtures = [
        "slsa-verifier-gha_generic-v1.10.0-push-v14.cert.derived.pem", "sigstore-conformance-happy-path-intoto-in-dsse-v3.cert.derived.pem",
    ]

    private func allKeys() throws -> [String: PublicKey] {
        var keys: [String: PublicKey] = [:]
        for name in Self.keyFixtures { keys[name] = try Kit.publicKey(name) }
        for name in Self.certificateFixtures { keys[name] = try Kit.certificateKey(name) }
        return keys
    }

    /// Verifies `envelopeName` with each key alone: only `keyName` may verify, and the result is returned.
    private func verifiesOnlyWith(
        _ keyName: String, _ envelopeName: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> VerifiedAttestation {
        let keys = try allKeys()
        let envelope = try Kit.onlyEnvelope(try Kit.fixture(envelopeName))
        for (name, key) in keys where name != keyName && key.id != keys[keyName]?.id {
            let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(key, name: name)], sourceLocation: sourceLocation)
            #expect(reasons.first?.hasPrefix("signature 1") == true, "\(reasons)", sourceLocation: sourceLocation)
        }
        let key = try #require(keys[keyName])
        let attestation = try Kit.expectVerified(envelope, keys: [Kit.trusted(key, name: keyName)], sourceLocation: sourceLocation)
        #expect(attestation.verifiedKeyIDs == [key.id], sourceLocation: sourceLocation)
        #expect(attestation.envelope == envelope.raw, sourceLocation: sourceLocation)
        return attestation
    }

    private func subjects(of envelopeName: String) throws -> [Subject] {
        let statement = try Kit.statementJSON(ofEnvelopeJSON: try Kit.fixture(envelopeName))
        let list = try #require(statement["subject"] as? [[String: Any]])
        return try list.map { entry in
            let digest = try #require((entry["digest"] as? [String: String])?["sha256"])
            return Subject(name: entry["name"] as? String ?? "", digest: try Digest(sha256Hex: digest))
        }
    }

    // MARK: ECDSA P-256

    @Test func grypeSyftAttestationVerifiesWithCosignKeyOnly() throws {
        let attestation = try verifiesOnlyWith("grype-cosign.pub", "grype-alpine.syft.att.json")
        #expect(attestation.statementType == "https://in-toto.io/Statement/v0.1")
        #expect(attestation.predicateType == "https://syft.dev/bom")
        #expect(attestation.predicate == .opaque)
        #expect(attestation.subjects == (try subjects(of: "grype-alpine.syft.att.json")))
        #expect(attestation.subjects.first?.digest.rawValue == "sha256:6af1b11bbb17f4c311e269db6530e4da2738262af5fd9064ccdf109b765860fb")
    }

    @Test func grypeCycloneDXAttestationVerifiesWithCosignKeyOnlyAndIsReadAsAnSBOM() throws {
        let attestation = try verifiesOnlyWith("grype-cosign.pub", "grype-alpine.cdx.att.json")
        #expect(attestation.predicateType == "https://cyclonedx.org/bom")
        #expect(attestation.subjects == (try subjects(of: "grype-alpine.cdx.att.json")))
        guard case .sbom(let summary) = attestation.predicate else {
            Issue.record("expected an SBOM summary, got \(attestation.predicate)")
            return
        }
        let statement = try Kit.statementJSON(ofEnvelopeJSON: try Kit.fixture("grype-alpine.cdx.att.json"))
        let predicate = try #require(statement["predicate"] as? [String: Any])
        #expect(summary.format == .cyclonedx)
        #expect(summary.specVersion == predicate["specVersion"] as? String)
    }

    @Test func grypeEnvelopesFailWithTheOtherCosignKey() throws {
        let other = Kit.trusted(try Kit.publicKey("grype-another_cosign.pub"))
        for name in ["grype-alpine.syft.att.json", "grype-alpine.cdx.att.json"] {
            let reasons = try Kit.expectRejected(try Kit.onlyEnvelope(try Kit.fixture(name)), keys: [other])
            #expect(reasons == ["signature 1: no active trusted key verifies it"])
        }
    }

    @Test func tamperedGrypeEnvelopeIsRejectedEvenWithTheRightKey() throws {
        let envelope = try Kit.onlyEnvelope(try Kit.fixture("grype-alpine-tampered.cdx.att.json"))
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(try Kit.publicKey("grype-cosign.pub"))])
        #expect(reasons == ["signature 1: no active trusted key verifies it"])
    }

    @Test func scaiBuildProvenanceV02VerifiesWithItsFunctionaryKey() throws {
        let attestation = try verifiesOnlyWith("scai-key-452e628a.derived.pem", "scai-build.452e628a.json")
        #expect(attestation.predicateType == "https://slsa.dev/provenance/v0.2")
        #expect(attestation.subjects == (try subjects(of: "scai-build.452e628a.json")))
        try expectV02Summary(attestation, fixture: "scai-build.452e628a.json")
    }

    @Test func slsaGitHubGeneratorJSONLinesVerifiesWithTheKeyOfItsCertificate() throws {
        let attestation = try verifiesOnlyWith(
            "slsa-verifier-gha_generic-v1.10.0-push-v14.cert.derived.pem", "slsa-verifier-gha_generic-v1.10.0-push-v14.intoto.jsonl")
        #expect(attestation.subjects == (try subjects(of: "slsa-verifier-gha_generic-v1.10.0-push-v14.intoto.jsonl")))
        try expectV02Summary(attestation, fixture: "slsa-verifier-gha_generic-v1.10.0-push-v14.intoto.jsonl")
    }

    private func expectV02Summary(_ attestation: VerifiedAttestation, fixture: String) throws {
        let predicate = try #require(try Kit.statementJSON(ofEnvelopeJSON: try Kit.fixture(fixture))["predicate"] as? [String: Any])
        let configSource = try #require((predicate["invocation"] as? [String: Any])?["configSource"] as? [String: Any])
        let configURI = try #require(configSource["uri"] as? String)
        guard case .provenance(let summary) = attestation.predicate else {
            Issue.record("expected provenance, got \(attestation.predicate)")
            return
        }
        #expect(summary.slsaVersion == "v0.2")
        #expect(summary.builderID == (predicate["builder"] as? [String: Any])?["id"] as? String)
        #expect(summary.buildType == predicate["buildType"] as? String)
        #expect(summary.sourceCommit == (configSource["digest"] as? [String: String])?["sha1"])
        // `git+https://github.com/org/repo@refs/...` is reported as the repository URL alone.
        #expect(configURI.hasPrefix("git+" + (summary.sourceRepository ?? "nil") + "@refs/"))
        #expect(summary.invocationID == (predicate["metadata"] as? [String: Any])?["buildInvocationID"] as? String)
    }

    @Test func sigstoreHappyPathBundleVerifiesWithItsRegisteredCertificateKey() throws {
        let name = "sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json"
        let attestation = try verifiesOnlyWith("sigstore-conformance-happy-path-intoto-in-dsse-v3.cert.derived.pem", name)
        #expect(try Kit.onlyEnvelope(try Kit.fixture(name)).carriesCertificate)
        #expect(attestation.statementType == "https://in-toto.io/Statement/v1")
        #expect(attestation.subjects == (try subjects(of: name)))
        let predicate = try #require(try Kit.statementJSON(ofEnvelopeJSON: try Kit.fixture(name))["predicate"] as? [String: Any])
        let definition = try #require(predicate["buildDefinition"] as? [String: Any])
        let run = try #require(predicate["runDetails"] as? [String: Any])
        let workflow = try #require((definition["externalParameters"] as? [String: Any])?["workflow"] as? [String: Any])
        let dependency = try #require((definition["resolvedDependencies"] as? [[String: Any]])?.first)
        guard case .provenance(let summary) = attestation.predicate else {
            Issue.record("expected provenance, got \(attestation.predicate)")
            return
        }
        #expect(summary.slsaVersion == "v1")
        #expect(summary.builderID == (run["builder"] as? [String: Any])?["id"] as? String)
        #expect(summary.buildType == definition["buildType"] as? String)
        #expect(summary.sourceRepository == workflow["repository"] as? String)
        #expect(summary.sourceCommit == (dependency["digest"] as? [String: String])?["gitCommit"])
        #expect(summary.invocationID == (run["metadata"] as? [String: Any])?["invocationId"] as? String)
    }

    @Test func sigstoreBundleWithACorruptedSignatureIsRejectedAndKeylessIsExplained() throws {
        let envelope = try Kit.onlyEnvelope(try Kit.fixture("sigstore-conformance-dsse-invalid-sig_fail.sigstore.json"))
        let key = try Kit.certificateKey("sigstore-conformance-dsse-invalid-sig_fail.cert.derived.pem")
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(key)])
        #expect(
            reasons == [
                "signature 1: no active trusted key verifies it",
                "keyless (certificate) verification is not supported: register the signing public key as a trusted key",
            ])
    }

    @Test func keylessEnvelopeWithoutItsKeyRegisteredSaysKeylessIsNotSupported() throws {
        let envelope = try Kit.onlyEnvelope(try Kit.fixture("slsa-verifier-gha_generic-v1.10.0-push-v14.intoto.jsonl"))
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(try Kit.publicKey("grype-cosign.pub"))])
        #expect(reasons.last?.hasPrefix("keyless (certificate) verification is not supported") == true)
    }

    // MARK: ECDSA raw r||s

    @Test func bcidVerificationSummaryVerifiesButHasNoSHA256Subject() throws {
        let envelope = try Kit.onlyEnvelope(try Kit.fixture("slsa-verifier-gke-gce-pre.bcid-vsa.jsonl"))
        #expect(envelope.signatures[0].signature.count == 64)  // raw r||s, not DER
        let keys = try allKeys()
        for (name, key) in keys where name != "slsa-verifier-vsa_signing_public_key.pem" {
            let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(key)])
            #expect(reasons == ["signature 1 (keyid hint 'keystore://76574:prod:vsa_signing_public_key'): no active trusted key verifies it"])
        }
        // With its key the signature verifies, and only then does the statement fail: its subject names a GCE image id.
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(try #require(keys["slsa-verifier-vsa_signing_public_key.pem"]))])
        #expect(reasons.count == 1)
        #expect(reasons[0].hasPrefix("no subject has a sha256 digest"))
        #expect(reasons[0].contains("'gce_image_id'"))
    }

    // MARK: Ed25519

    @Test func witnessCollectionsVerifyWithTheWitnessKey() throws {
        for name in ["witness-cdx-att.json", "witness-spdx-att.json"] {
            let attestation = try verifiesOnlyWith("witness-testpub.pem", name)
            #expect(attestation.predicateType == "https://witness.testifysec.com/attestation-collection/v0.1")
            #expect(attestation.predicate == .opaque)
            #expect(attestation.subjects == (try subjects(of: name)))
            #expect(attestation.subjects.count > 1)
        }
    }

    @Test func attestationVerifierBuildProvenanceV1IsSummarised() throws {
        let name = "attestation-verifier-build.fe1c6281.json"
        let attestation = try verifiesOnlyWith("attestation-verifier-key.derived.pem", name)
        let predicate = try #require(try Kit.statementJSON(ofEnvelopeJSON: try Kit.fixture(name))["predicate"] as? [String: Any])
        let definition = try #require(predicate["buildDefinition"] as? [String: Any])
        let builder = try #require((predicate["runDetails"] as? [String: Any])?["builder"] as? [String: Any])
        #expect(attestation.predicateType == "https://slsa.dev/provenance/v1")
        #expect(attestation.subjects == (try subjects(of: name)))
        guard case .provenance(let summary) = attestation.predicate else {
            Issue.record("expected provenance, got \(attestation.predicate)")
            return
        }
        #expect(summary.slsaVersion == "v1")
        #expect(summary.builderID == builder["id"] as? String)
        #expect(summary.buildType == definition["buildType"] as? String)
        // Its only resolved dependency is a plain file (no git uri): no source is claimed.
        #expect(summary.sourceRepository == nil)
        #expect(summary.sourceCommit == nil)
    }

    @Test func attestationVerifierTestResultVerifiesAsOpaque() throws {
        let attestation = try verifiesOnlyWith("attestation-verifier-key.derived.pem", "attestation-verifier-test.fe1c6281.json")
        #expect(attestation.predicateType == "https://in-toto.io/attestation/test-result/v0.1")
        #expect(attestation.predicate == .opaque)
    }

    @Test func theSecureSystemsLibJSONKeyIsTheSameKeyAsItsDerivedPEM() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try Kit.fixture("attestation-verifier-key.pub"))) as? [String: Any])
        let hex = try #require((object["keyval"] as? [String: String])?["public"])
        let raw = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
        let key = try PublicKey(ed25519Raw: raw)
        #expect(key.id == (try Kit.publicKey("attestation-verifier-key.derived.pem")).id)
        _ = try Kit.expectVerified(try Kit.onlyEnvelope(try Kit.fixture("attestation-verifier-build.fe1c6281.json")), keys: [Kit.trusted(key)])
    }

    @Test func cloneWithTypeInsteadOfUnderscoreTypeVerifiesButIsNotAStatement() throws {
        let envelope = try Kit.onlyEnvelope(try Kit.fixture("attestation-verifier-clone.fe1c6281.json"))
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(try Kit.publicKey("attestation-verifier-key.derived.pem"))])
        #expect(reasons.count == 1)
        #expect(reasons[0].hasPrefix("the payload has 'type' but no '_type', so it is not an in-toto Statement"))
    }

    // MARK: RSA-PSS

    @Test func scaiEvidenceCollectionVerifiesWithRSAPSS() throws {
        let attestation = try verifiesOnlyWith("scai-key-1f575092.derived.pem", "scai-evidence-collection.1f575092.json")
        #expect(attestation.predicateType == "https://in-toto.io/attestation/scai/attribute-report/v0.2")
        #expect(attestation.predicate == .opaque)
        #expect(attestation.subjects == (try subjects(of: "scai-evidence-collection.1f575092.json")))
    }

    @Test func inTotoLinkAndLayoutVerifyButAreRejectedAsNotStatements() throws {
        let cases = [
            ("in-toto-package.2f89b927.link", "in-toto-carl.pub", "link metadata"),
            ("in-toto-golang-demo.dsse.layout", "in-toto-golang-alice.pub", "an in-toto layout"),
        ]
        for (envelopeName, keyName, kind) in cases {
            let envelope = try Kit.onlyEnvelope(try Kit.fixture(envelopeName))
            // The signature is fine with the other RSA key absent…
            let wrongKey = Kit.trusted(try Kit.publicKey(keyName == "in-toto-carl.pub" ? "in-toto-golang-alice.pub" : "in-toto-carl.pub"))
            #expect(try Kit.expectRejected(envelope, keys: [wrongKey]).first?.hasSuffix("no active trusted key verifies it") == true)
            // …and with the right key it verifies, then the payload is refused for what it is.
            let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(try Kit.publicKey(keyName))])
            #expect(reasons.count == 1)
            #expect(reasons[0].contains(kind), "\(reasons)")
            #expect(reasons[0].contains("not an in-toto Statement"))
        }
    }

    // MARK: Many keys at once

    @Test func everyVerifyingFixtureVerifiesWhenAllKeysAreTrustedAndNamesOnlyItsSigner() throws {
        let keys = try allKeys()
        let trusted = keys.map { Kit.trusted($0.value, name: $0.key) }
        let expected = [
            "grype-alpine.syft.att.json": "grype-cosign.pub", "grype-alpine.cdx.att.json": "grype-cosign.pub",
            "witness-cdx-att.json": "witness-testpub.pem", "attestation-verifier-build.fe1c6281.json": "attestation-verifier-key.derived.pem",
            "scai-evidence-collection.1f575092.json": "scai-key-1f575092.derived.pem", "scai-build.452e628a.json": "scai-key-452e628a.derived.pem",
            "sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json": "sigstore-conformance-happy-path-intoto-in-dsse-v3.cert.derived.pem",
        ]
        for (envelopeName, keyName) in expected {
            let attestation = try Kit.expectVerified(try Kit.onlyEnvelope(try Kit.fixture(envelopeName)), keys: trusted)
            #expect(attestation.verifiedKeyIDs == [try #require(keys[keyName]).id], "\(envelopeName)")
        }
    }
}
