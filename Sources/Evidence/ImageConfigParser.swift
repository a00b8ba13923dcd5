import Domain

/// Parses an OCI image config into `ImageConfigFacts`; env values are never part of the result.
public enum ImageConfigParser {
    private static let unrecognised =
        "unrecognised image config: send the OCI image config JSON (an object with `config`, or the `config` object itself)"

    /// Accepts an OCI/Docker config blob, a bare `config` object, or Trivy's `{"ImageConfig": …}` shape.
    public static func parse(_ bytes: [UInt8]) throws(EvidenceError) -> ImageConfigFacts {
        let top = try JSONTopLevel.scan(bytes)
        guard top.kind == .object else { throw EvidenceJSON.unrecognised(bytes, kind: top.kind, unrecognised) }
        let what = "image config"
        if top.keys.contains("ImageConfig") {
            let wrapped = try EvidenceJSON.decode(TrivyImageConfigWrapper.self, from: bytes, what: what)
            return facts(wrapped.imageConfig?.config ?? ContainerConfig())
        }
        if !top.keys.isDisjoint(with: ["config", "rootfs", "os", "architecture"]) {
            let blob = try EvidenceJSON.decode(OCIImageConfig.self, from: bytes, what: what)
            return facts(blob.config ?? ContainerConfig())
        }
        if !top.keys.isDisjoint(with: ["User", "Env", "ExposedPorts", "Entrypoint", "Cmd", "Labels", "Healthcheck", "WorkingDir"]) {
            return facts(try EvidenceJSON.decode(ContainerConfig.self, from: bytes, what: what))
        }
        throw EvidenceJSON.unrecognised(bytes, kind: top.kind, unrecognised)
    }

    /// Facts of an embedded config (Grype `source.target.config`, base64 or inline); nil when it is not a readable config.
    static func embeddedFacts(_ bytes: [UInt8]) -> ImageConfigFacts? {
        try? parse(bytes)
    }

    /// Derives the facts of `config`; env values were already dropped while decoding.
    static func facts(_ config: ContainerConfig) -> ImageConfigFacts {
        let user = config.user ?? ""
        let userPart = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let numeric = !userPart.isEmpty && userPart.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        // `0`, `00`, `0:…` are all uid 0; an empty user part (`""`, `:1000`) leaves the default, root.
        let runsAsRoot = userPart.isEmpty || userPart == "root" || (numeric && userPart.utf8.allSatisfy { $0 == 0x30 })
        let envNames = Set(config.env.map(\.name)).sorted()
        let secretEnv = Set(config.env.filter(\.looksSecret).map(\.name)).sorted()
        let test = config.healthcheckTest ?? []
        // Docker's `["NONE"]` switches off a healthcheck inherited from the base image.
        let hasHealthcheck = !test.isEmpty && test.first != "NONE"
        return ImageConfigFacts(
            user: user, runsAsRoot: runsAsRoot, nonNumericUser: !userPart.isEmpty && !numeric,
            exposedPorts: config.exposedPorts.sorted(), envNames: envNames, secretEnv: secretEnv, labels: config.labels,
            entrypoint: config.entrypoint, cmd: config.cmd, hasHealthcheck: hasHealthcheck)
    }
}

/// Trivy's `Metadata.ImageConfig` posted on its own: `{"ImageConfig": <OCI config>}`.
private struct TrivyImageConfigWrapper: Decodable {
    var imageConfig: OCIImageConfig?
    private enum CodingKeys: String, CodingKey { case imageConfig = "ImageConfig" }
}
