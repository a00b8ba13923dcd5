import Domain

/// Parses CycloneDX JSON and SPDX 2.2/2.3 JSON SBOMs into an `SBOMSummary`.
public enum SBOMParser {
    static let unrecognised = "unrecognised SBOM format: send CycloneDX JSON (1.4–1.7) or SPDX 2.2/2.3 JSON"
    /// How many first-level components the summary lists.
    static let topLevelLimit = 500

    /// Parses `bytes`; `.malformed` for non-JSON or too deep, `.unsupported` for other formats or versions, `.invalid` for
    /// a known format with fields of the wrong type.
    public static func parse(_ bytes: [UInt8]) throws(EvidenceError) -> SBOMSummary {
        let top = try JSONTopLevel.scan(bytes)
        guard top.kind == .object else { throw EvidenceJSON.unrecognised(bytes, kind: top.kind, unrecognised) }
        if top.keys.contains("bomFormat") {
            let bom = try EvidenceJSON.decode(CycloneDXBOM.self, from: bytes, what: "CycloneDX BOM")
            guard bom.bomFormat == "CycloneDX" else { throw EvidenceError(.unsupported, unrecognised) }
            guard bom.hasSupportedVersion else {
                throw EvidenceError(.unsupported, "unsupported CycloneDX specVersion: send CycloneDX 1.4–1.7 JSON")
            }
            return bom.summary(topLevelLimit: topLevelLimit).keptTextBounded
        }
        if top.keys.contains("spdxVersion") {
            let document = try EvidenceJSON.decode(SPDXDocument.self, from: bytes, what: "SPDX document")
            guard SPDXDocument.supportedVersions.contains(document.spdxVersion) else {
                throw EvidenceError(.unsupported, "unsupported spdxVersion: send SPDX-2.2 or SPDX-2.3 JSON")
            }
            return document.summary(topLevelLimit: topLevelLimit).keptTextBounded
        }
        throw EvidenceJSON.unrecognised(bytes, kind: top.kind, unrecognised)
    }
}
