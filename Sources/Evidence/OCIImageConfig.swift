/// An OCI / Docker image config blob (`application/vnd.oci.image.config.v1+json`), narrowed to what Shipgate keeps.
struct OCIImageConfig: Decodable, Sendable {
    /// nil when the blob has no `config` (or it is null): the image then runs with every default, i.e. as root.
    var config: ContainerConfig?
    var os: String?
    var architecture: String?

    /// Whether the blob says nothing about an image (Trivy writes such an empty `ImageConfig` for filesystem scans).
    var isEmpty: Bool { (config?.isEmpty ?? true) && (os ?? "").isEmpty && (architecture ?? "").isEmpty }
}

/// The `config` object of an image config: user, ports, env, labels, entrypoint, cmd, healthcheck.
///
/// Env *values* are looked at once while decoding (for `SecretHeuristics.looksLikeSecretValue`) and then dropped:
/// this struct holds only names and a flag.
struct ContainerConfig: Decodable, Sendable {
    /// An env variable reduced to its name and whether it looks like a secret.
    struct EnvEntry: Sendable {
        var name: String
        var looksSecret: Bool
    }

    var user: String?
    var exposedPorts: [String] = []
    var env: [EnvEntry] = []
    var labels: [String: String] = [:]
    var entrypoint: [String] = []
    var cmd: [String] = []
    var healthcheckTest: [String]?

    private enum CodingKeys: String, CodingKey {
        case user = "User", exposedPorts = "ExposedPorts", env = "Env", labels = "Labels"
        case entrypoint = "Entrypoint", cmd = "Cmd", healthcheck = "Healthcheck"
    }

    private struct Healthcheck: Decodable {
        var test: [String]?
        private enum CodingKeys: String, CodingKey { case test = "Test" }
    }

    /// Decodes `Env` one entry at a time so that no value outlives the check on it.
    private struct EnvList: Decodable {
        var entries: [EnvEntry] = []

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            while !container.isAtEnd {
                let entry = try container.decode(String.self)
                if let equals = entry.firstIndex(of: "=") {
                    let name = String(entry[..<equals])
                    let secret =
                        SecretHeuristics.isSecretName(name) || SecretHeuristics.looksLikeSecretValue(String(entry[entry.index(after: equals)...]))
                    entries.append(EnvEntry(name: name, looksSecret: secret))
                } else {
                    entries.append(EnvEntry(name: entry, looksSecret: SecretHeuristics.isSecretName(entry)))
                }
            }
        }
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        exposedPorts = try container.decodeIfPresent([String: IgnoredJSON].self, forKey: .exposedPorts).map { Array($0.keys) } ?? []
        env = try container.decodeIfPresent(EnvList.self, forKey: .env)?.entries ?? []
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        entrypoint = try container.decodeIfPresent([String].self, forKey: .entrypoint) ?? []
        cmd = try container.decodeIfPresent([String].self, forKey: .cmd) ?? []
        healthcheckTest = try container.decodeIfPresent(Healthcheck.self, forKey: .healthcheck).map { $0.test ?? [] }
    }

    /// Nothing configured at all.
    var isEmpty: Bool {
        (user ?? "").isEmpty && exposedPorts.isEmpty && env.isEmpty && labels.isEmpty && entrypoint.isEmpty && cmd.isEmpty
            && healthcheckTest == nil
    }
}
