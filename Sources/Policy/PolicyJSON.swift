/// A parsed JSON value, as the policy reader walks it. Numbers keep their literal text so that
/// `1.0` or `1e2` are never silently taken for integers.
enum PolicyJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([PolicyJSON])
    case object([String: PolicyJSON])

    /// What the value is, for "must be …, found …" style messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
