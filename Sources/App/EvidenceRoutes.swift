import Domain
import HTTPCore

/// Evidence ingest: attestations, scans, SBOMs, image configs (scope `evidence:write`).
enum EvidenceRoutes {
    /// Scans and SBOMs can be large; everything else keeps the server default.
    static let largeDocumentBytes = 64 * 1024 * 1024

    struct SubjectView: Encodable {
        let name: String
        let digest: String
    }

    struct AttestationView: Encodable {
        let id: String
        let predicateType: String
        let subjects: [SubjectView]
        let verifiedKeyIds: [String]
        let created: Bool
    }

    struct ScanView: Encodable {
        let id: String
        let digest: String
        let scanner: String
        let format: String
        let counts: SeverityCounts
        let secrets: Int
        let findings: Int
        let created: Bool
    }

    struct SBOMView: Encodable {
        let id: String
        let digest: String
        let format: String
        let specVersion: String
        let components: Int
        let created: Bool
    }

    struct ConfigView: Encodable {
        let digest: String
        let user: String
        let runsAsRoot: Bool
        let nonNumericUser: Bool
        let exposedPorts: [String]
        let envNames: [String]
        let secretEnv: [String]
        let hasHealthcheck: Bool
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let evidence = services.evidence
        return [
            AppRoute(
                method: .POST, pattern: "/api/v1/attestations", access: .scope(.evidenceWrite),
                summary: "Post DSSE envelopes (one, JSON Lines, or a Sigstore bundle); stored only if a trusted key verifies every one",
                requestSchema: "Envelope", responseSchema: "AttestationList", successStatus: 201
            , otherResponses: [200: ("Every envelope was stored already", "AttestationList")]) { request in
                let outcomes = try await evidence.ingestAttestations(request.http.body, actor: request.actor.name)
                let views = outcomes.map { outcome in
                    AttestationView(
                        id: outcome.attestation.id, predicateType: outcome.attestation.predicateType,
                        subjects: outcome.attestation.subjects.map { SubjectView(name: $0.name, digest: $0.digest.rawValue) },
                        verifiedKeyIds: outcome.attestation.verifiedKeyIDs, created: outcome.created)
                }
                return JSONBody.response(outcomes.contains(where: \.created) ? .created : .ok, encoded: attestationListJSON(views))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/scans", access: .scope(.evidenceWrite),
                summary: "Post a Trivy, Grype or SARIF report (?digest=, ?format=)", requestSchema: "ScanReport", responseSchema: "Scan",
                successStatus: 201, query: [QueryParameter(name: "digest", required: false, description: "sha256:… or name@sha256:…, when the report names none"), QueryParameter(name: "format", required: false, description: "trivy, grype or sarif (auto-detected otherwise)")], otherResponses: [200: ("Stored already (same document for the same digest)", "Scan")], maxBodyBytes: largeDocumentBytes
            ) { request in
                let result = try await evidence.ingestScan(
                    request.http.body, digestParameter: request.http.queryValue("digest"), formatParameter: request.http.queryValue("format"),
                    actor: request.actor.name)
                return JSONBody.response(
                    result.created ? .created : .ok,
                    ScanView(
                        id: result.id, digest: result.digest.rawValue, scanner: result.report.scanner, format: result.report.format.rawValue,
                        counts: result.report.counts, secrets: result.report.secrets.count, findings: result.report.findings.count,
                        created: result.created))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/sboms", access: .scope(.evidenceWrite), summary: "Post a CycloneDX or SPDX JSON SBOM (?digest=)",
                requestSchema: "SBOMDocument", responseSchema: "SBOM", successStatus: 201, query: [QueryParameter(name: "digest", required: false, description: "sha256:… or name@sha256:…, when the document names none")], otherResponses: [200: ("Stored already", "SBOM")], maxBodyBytes: largeDocumentBytes
            ) { request in
                let result = try await evidence.ingestSBOM(request.http.body, digestParameter: request.http.queryValue("digest"), actor: request.actor.name)
                return JSONBody.response(
                    result.created ? .created : .ok,
                    SBOMView(
                        id: result.id, digest: result.digest.rawValue, format: result.sbom.format.rawValue, specVersion: result.sbom.specVersion,
                        components: result.sbom.componentCount, created: result.created))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/images/{digest}/config", access: .scope(.evidenceWrite),
                summary: "Post the OCI image config of a digest (env values are never kept)", requestSchema: "ImageConfig",
                responseSchema: "ConfigFacts", successStatus: 201, otherResponses: [200: ("Stored already", "ConfigFacts")], maxBodyBytes: 1024 * 1024
            ) { request in
                let result = try await evidence.ingestConfig(request.http.body, digestText: request.parameter("digest"), actor: request.actor.name)
                return JSONBody.response(result.created ? .created : .ok, configView(result.digest, result.facts))
            },
        ]
    }

    static func configView(_ digest: Digest, _ facts: ImageConfigFacts) -> ConfigView {
        ConfigView(
            digest: digest.rawValue, user: facts.user, runsAsRoot: facts.runsAsRoot, nonNumericUser: facts.nonNumericUser,
            exposedPorts: facts.exposedPorts, envNames: facts.envNames, secretEnv: facts.secretEnv, hasHealthcheck: facts.hasHealthcheck)
    }
}
