/// The facts Shipgate keeps of an OCI image config. Env *values* are never part of it.
public struct ImageConfigFacts: Sendable, Equatable, Codable {
    /// The configured user as written (`""` when unset).
    public var user: String
    /// `""`, `root`, `0`, `0:…`, `root:…`.
    public var runsAsRoot: Bool
    /// A user name rather than a numeric uid: Kubernetes `runAsNonRoot` cannot verify it.
    public var nonNumericUser: Bool
    /// Sorted, e.g. `8080/tcp`.
    public var exposedPorts: [String]
    /// Sorted env variable names.
    public var envNames: [String]
    /// Env names whose name or value looks like a secret (sorted).
    public var secretEnv: [String]
    public var labels: [String: String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var hasHealthcheck: Bool

    public init(
        user: String, runsAsRoot: Bool, nonNumericUser: Bool, exposedPorts: [String], envNames: [String], secretEnv: [String],
        labels: [String: String], entrypoint: [String], cmd: [String], hasHealthcheck: Bool
    ) {
        self.user = user
        self.runsAsRoot = runsAsRoot
        self.nonNumericUser = nonNumericUser
        self.exposedPorts = exposedPorts
        self.envNames = envNames
        self.secretEnv = secretEnv
        self.labels = labels
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.hasHealthcheck = hasHealthcheck
    }
}
