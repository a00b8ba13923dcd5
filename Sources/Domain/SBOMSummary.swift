/// A component named at the top level of an SBOM.
public struct SBOMComponent: Sendable, Equatable, Codable {
    public var name: String
    public var version: String?
    public var purl: String?

    public init(name: String, version: String?, purl: String?) {
        self.name = name
        self.version = version
        self.purl = purl
    }
}

/// The SBOM formats understood.
public enum SBOMFormat: String, Sendable, Codable {
    case cyclonedx
    case spdx
}

/// What Shipgate keeps of an SBOM: format, the digest it names, component count and top-level components.
public struct SBOMSummary: Sendable, Equatable {
    public var format: SBOMFormat
    /// e.g. `1.5` for CycloneDX, `SPDX-2.3` for SPDX.
    public var specVersion: String
    public var digest: Digest?
    /// Every component (CycloneDX, counted recursively) or package (SPDX).
    public var componentCount: Int
    /// The first-level components, at most a few hundred.
    public var topLevel: [SBOMComponent]

    public init(format: SBOMFormat, specVersion: String, digest: Digest?, componentCount: Int, topLevel: [SBOMComponent]) {
        self.format = format
        self.specVersion = specVersion
        self.digest = digest
        self.componentCount = componentCount
        self.topLevel = topLevel
    }
}
