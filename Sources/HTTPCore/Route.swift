/// Percent-decoded path parameters captured by a route, looked up by the name used in its pattern.
public struct RouteParameters: Sendable {
    private var pairs: [(name: String, value: String)]

    /// Creates parameters from ordered (name, value) pairs (useful in tests).
    public init(_ pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    /// The decoded value captured for `name`, or nil.
    public subscript(name: String) -> String? {
        for pair in pairs where pair.name == name { return pair.value }
        return nil
    }

    /// Number of captured parameters.
    public var count: Int { pairs.count }
}

/// Handles a routed request.
public typealias HTTPHandler = @Sendable (HTTPRequest, RouteParameters) async -> HTTPResponse

/// One registered route.
public struct Route: Sendable {
    /// The method it answers.
    public let method: HTTPMethod
    /// The pattern as registered, e.g. "/api/v1/images/{digest}/config"; use it (not the raw path) for log labels.
    public let pattern: String
    /// Per-route body limit; nil = the server default.
    public let maxBodyBytes: Int?
    /// The handler.
    public let handler: HTTPHandler

    /// Creates a route (normally done by `Router.add`).
    public init(method: HTTPMethod, pattern: String, maxBodyBytes: Int? = nil, handler: @escaping HTTPHandler) {
        self.method = method
        self.pattern = pattern
        self.maxBodyBytes = maxBodyBytes
        self.handler = handler
    }
}

/// Result of routing a request.
public enum RouteMatch: Sendable {
    /// A route with its captured parameters.
    case found(Route, RouteParameters)
    /// The path exists for other methods: every method registered for it, sorted, HEAD listed with GET (405 + Allow).
    case methodNotAllowed(allowed: [HTTPMethod])
    /// No route has this path.
    case notFound
}
