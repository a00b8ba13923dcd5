/// Who is making a request, as established by authentication: a user-bound token, a service token, or a user session.
public struct Principal: Sendable, Equatable {
    /// The audit name: the user's name, or `token:<name>` for a service token.
    public let name: String
    /// The user behind the request, if any.
    public let user: String?
    /// The user's role, if any.
    public let role: Role?
    /// The scopes granted by the credential itself.
    public let grantedScopes: Set<Scope>

    public init(name: String, user: String?, role: Role?, grantedScopes: Set<Scope>) {
        self.name = name
        self.user = user
        self.role = role
        self.grantedScopes = grantedScopes
    }

    /// The scopes in force: a token's scopes, narrowed by its user's role when bound to one.
    /// `admin` implies every scope.
    public var effectiveScopes: Set<Scope> {
        let granted = grantedScopes.contains(.admin) ? Set(Scope.allCases) : grantedScopes
        guard let role else { return granted }
        return granted.intersection(role.allowedScopes)
    }

    /// Whether this principal may act with `scope`.
    public func allows(_ scope: Scope) -> Bool { effectiveScopes.contains(scope) }
}
