import Domain

/// A CycloneDX JSON BOM (1.2 and later), narrowed to components and the described component.
struct CycloneDXBOM: Decodable {
    var bomFormat: String
    var specVersion: String
    var metadata: Metadata?
    var components: [Component]?

    struct Metadata: Decodable {
        var component: Component?
    }

    struct Component: Decodable {
        var type: String?
        var name: String?
        var version: String?
        var purl: String?
        var bomRef: String?
        var components: [Component]?
        var properties: [Property]?

        private enum CodingKeys: String, CodingKey { case type, name, version, purl, bomRef = "bom-ref", components, properties }
    }

    struct Property: Decodable {
        var name: String?
        var value: String?
    }

    /// Whether `specVersion` is a CycloneDX version with a JSON schema: `1.2` and later 1.x.
    var hasSupportedVersion: Bool {
        let parts = specVersion.split(separator: ".")
        guard parts.count == 2, parts[0] == "1", let minor = Int(parts[1]) else { return false }
        return minor >= 2
    }

    func summary(topLevelLimit: Int) -> SBOMSummary {
        let top = components ?? []
        return SBOMSummary(
            format: .cyclonedx, specVersion: specVersion, digest: describedDigest(), componentCount: Self.count(top),
            topLevel: top.prefix(topLevelLimit).map { SBOMComponent(name: $0.name ?? "", version: nonEmpty($0.version), purl: nonEmpty($0.purl)) })
    }

    /// Components counted through nested `components` (depth is bounded by the JSON depth guard).
    private static func count(_ components: [Component]) -> Int {
        components.reduce(0) { $0 + 1 + count($1.components ?? []) }
    }

    /// The image digest of `metadata.component`: its `pkg:oci` purl (Trivy), a `sha256:` version or bom-ref (Syft), or
    /// Trivy's `aquasecurity:trivy:RepoDigest` property. Never `aquasecurity:trivy:ImageID`, the config digest.
    private func describedDigest() -> Digest? {
        guard let component = metadata?.component else { return nil }
        for candidate in [component.purl, component.bomRef] {
            if let digest = candidate.flatMap(ScanDigest.ociPurlDigest) { return digest }
        }
        for candidate in [component.version, component.bomRef] {
            if let text = candidate, let digest = try? Digest(parsing: text) { return digest }
        }
        for property in component.properties ?? [] where property.name == "aquasecurity:trivy:RepoDigest" {
            if let found = property.value.flatMap(ScanDigest.repoDigest) { return found.digest }
        }
        return nil
    }
}
