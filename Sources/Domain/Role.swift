/// A person's role: what a user (and a token bound to that user) may do at most.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case approver
    case admin

    /// The scopes this role allows; a user-bound token gets the intersection with its own scopes.
    public var allowedScopes: Set<Scope> {
        switch self {
        case .viewer: [.clearanceRead]
        case .approver: [.clearanceRead, .approvalsWrite]
        case .admin: Set(Scope.allCases)
        }
    }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .approver: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
