/// An HTTP request method (RFC 9110 §9); the server supports a fixed set of them.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method token exactly as sent, e.g. "GET".
    public let rawValue: String

    /// Wraps a method token; no validation (the parser validates what it accepts).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The method token.
    public var description: String { rawValue }

    /// GET.
    public static let GET = HTTPMethod(rawValue: "GET")
    /// HEAD.
    public static let HEAD = HTTPMethod(rawValue: "HEAD")
    /// POST.
    public static let POST = HTTPMethod(rawValue: "POST")
    /// PUT.
    public static let PUT = HTTPMethod(rawValue: "PUT")
    /// DELETE.
    public static let DELETE = HTTPMethod(rawValue: "DELETE")
    /// PATCH.
    public static let PATCH = HTTPMethod(rawValue: "PATCH")
    /// OPTIONS.
    public static let OPTIONS = HTTPMethod(rawValue: "OPTIONS")
}
