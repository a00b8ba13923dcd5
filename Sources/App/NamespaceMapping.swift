import Policy

/// `pattern=environment`: Kubernetes namespaces matching `pattern` are admitted against `environment`'s policy.
public struct NamespaceMapping: Sendable, Equatable {
    public let pattern: GlobPattern
    public let environment: String

    /// Parses `prod-*=production`.
    public init(parsing text: String) throws(APIError) {
        let invalid = APIError(.badRequest, "invalid_namespace_mapping", "a namespace mapping is PATTERN=ENVIRONMENT, e.g. prod-*=production")
        guard let equals = text.firstIndex(of: "=") else { throw invalid }
        let environment = String(text[text.index(after: equals)...])
        guard let pattern = try? GlobPattern(String(text[..<equals])), !pattern.pattern.isEmpty, !environment.isEmpty else { throw invalid }
        self.pattern = pattern
        self.environment = environment
    }

    /// The environment for `namespace` under `mappings`, first match wins.
    static func environment(for namespace: String?, in mappings: [NamespaceMapping]) -> String? {
        guard let namespace else { return nil }
        return mappings.first { $0.pattern.matches(namespace) }?.environment
    }
}
