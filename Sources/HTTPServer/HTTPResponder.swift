import HTTPCore

/// Facts about the connection a request arrived on.
public struct RequestContext: Sendable {
    /// The peer as "host:port" (IPv6 as "[addr]:port").
    public let remoteAddress: String
    /// Whether the request arrived over TLS.
    public let isTLS: Bool

    /// Creates a context (the server does this; tests may too).
    public init(remoteAddress: String, isTLS: Bool) {
        self.remoteAddress = remoteAddress
        self.isTLS = isTLS
    }
}

/// What the server calls for each complete request; it runs on the Swift concurrency pool, never on the event loop.
public protocol HTTPResponder: Sendable {
    /// The body limit for this request head; a declared Content-Length above it gets 413 before any body byte is read.
    /// Called on the event-loop thread, so it must be quick and must not block.
    func maxBodyBytes(for head: HTTPRequestHead) -> Int
    /// Produces the response for a complete request.
    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse
}
