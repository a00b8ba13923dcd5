import Domain

/// The person behind a dashboard request, established from a valid session.
struct SignedInUser: Sendable {
    let name: String
    let role: Role
    /// The session's synchronizer token, required in every form it posts.
    let csrfToken: String
    /// The SHA-256 of the session id (what the store knows it by).
    let sessionHash: String

    /// The same principal a token bound to this user with every scope of its role would be: the shared
    /// actions check roles and separation of duties on it exactly as for the API.
    var principal: Principal { Principal(name: name, user: name, role: role, grantedScopes: role.allowedScopes) }
}
