/// A repository-level failure the application maps to a client error.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The row already exists (unique or primary key).
    case conflict(String)
    /// The row does not exist.
    case notFound(String)
    /// Stored data could not be read back as a domain value.
    case invalid(String)

    public var description: String {
        switch self {
        case .conflict(let message), .notFound(let message), .invalid(let message): message
        }
    }
}
