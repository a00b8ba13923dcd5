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

/// What the server calls for each complete request; `respond` runs on the Swift concurrency pool, never on the
/// event loop.
public protocol HTTPResponder: Sendable {
    /// The body limit for this request head; a declared Content-Length above it gets 413 before any body byte is read.
    /// Called on the event-loop thread, so it must be quick and must not block.
    func maxBodyBytes(for head: HTTPRequestHead) -> Int
    /// Produces the response for a complete request.
    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse
    /// A response the event-loop thread can send at once, sparing the request two thread hand-offs; nil hands it to
    /// `respond`. Called on the event-loop thread when the loop is not busy, so it must answer in microseconds and
    /// never wait (for I/O, another thread, or a lock held for longer than a few instructions); anything slower
    /// returns nil.
    func respondImmediately(to request: HTTPRequest, context: RequestContext) -> HTTPResponse?
}

extension HTTPResponder {
    /// By default every request goes to `respond`.
    public func respondImmediately(to request: HTTPRequest, context: RequestContext) -> HTTPResponse? { nil }
}
