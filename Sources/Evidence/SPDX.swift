import Domain

/// An SPDX 2.2 / 2.3 JSON document, narrowed to packages, their purls and what the document describes.
struct SPDXDocument: Decodable {
    var spdxVersion: String
    var documentDescribes: [String]?
    var packages: [Package]?
    var relationships: [Relationship]?

    struct Package: Decodable {
        var spdxID: String?
        var name: String?
        var versionInfo: String?
        var primaryPackagePurpose: String?
        var externalRefs: [ExternalRef]?

        private enum CodingKeys: String, CodingKey { case spdxID = "SPDXID", name, versionInfo, primaryPackagePurpose, externalRefs }

        /// The package-manager purl (`PACKAGE-MANAGER` in 2.3, `PACKAGE_MANAGER` in 2.2).
        var purl: String? {
            externalRefs?.first { ref in
                ref.referenceType == "purl" && (ref.referenceCategory == "PACKAGE-MANAGER" || ref.referenceCategory == "PACKAGE_MANAGER")
            }?.referenceLocator
        }
    }

    struct ExternalRef: Decodable {
        var referenceCategory: String?
        var referenceType: String?
        var referenceLocator: String?
    }

    struct Relationship: Decodable {
        var spdxElementId: String?
        var relatedSpdxElement: String?
        var relationshipType: String?
    }

    static let supportedVersions: Set<String> = ["SPDX-2.2", "SPDX-2.3"]

    func summary(topLevelLimit: Int) -> SBOMSummary {
        let packages = packages ?? []
        return SBOMSummary(
            format: .spdx, specVersion: spdxVersion, digest: describedDigest(packages), componentCount: packages.count,
            topLevel: packages.prefix(topLevelLimit).map { SBOMComponent(name: $0.name ?? "", version: nonEmpty($0.versionInfo), purl: $0.purl) })
    }

    /// The digest of the image the document describes: a described package with a `pkg:oci/…@sha256%3A…` purl.
    /// Without DESCRIBES data, the single container package with such a purl.
    private func describedDigest(_ packages: [Package]) -> Digest? {
        var described = Set(documentDescribes ?? [])
        for relationship in relationships ?? []
        where relationship.relationshipType == "DESCRIBES" && relationship.spdxElementId == "SPDXRef-DOCUMENT" {
            if let element = relationship.relatedSpdxElement { described.insert(element) }
        }
        if !described.isEmpty {
            return packages.lazy.filter { $0.spdxID.map(described.contains) ?? false }.compactMap { $0.purl.flatMap(ScanDigest.ociPurlDigest) }.first
        }
        let containerDigests = Set(
            packages.filter { $0.primaryPackagePurpose == "CONTAINER" }.compactMap { $0.purl.flatMap(ScanDigest.ociPurlDigest) })
        return containerDigests.count == 1 ? containerDigests.first : nil
    }
}
