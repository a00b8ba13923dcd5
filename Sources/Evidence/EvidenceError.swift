/// Why untrusted evidence bytes were refused; `message` is client-safe and never echoes secret values.
public struct EvidenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of refusal, which the API maps to a status code.
    public enum Kind: Sendable, Equatable {
        /// 400: not JSON, too deep, not decodable at all.
        case malformed
        /// 415: a format Shipgate does not know.
        case unsupported
        /// 422: well-formed but of the wrong shape or failing a rule.
        case invalid
    }

    /// The class of refusal.
    public let kind: Kind
    /// Client-safe explanation.
    public let message: String

    /// Makes an error of `kind` explained by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message text.
    public var description: String { message }
}
