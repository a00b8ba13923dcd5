/// Every protocol limit, configurable; defaults follow STYLE.md §3.5.
public struct HTTPLimits: Sendable {
    /// Longest accepted request-target (414 beyond).
    public var maxRequestTargetBytes = 8 * 1024
    /// Longest request line plus header block (431 beyond).
    public var maxHeaderBytes = 16 * 1024
    /// Most header fields per request (431 beyond).
    public var maxHeaderCount = 100
    /// Default body limit (413 beyond); routes may override via `acceptBody(maxBytes:)`.
    public var maxBodyBytes = 8 * 1024 * 1024
    /// Longest chunked trailer section, which is read and discarded (400 beyond).
    public var maxTrailerBytes = 4 * 1024
    /// Time allowed from a request's first byte to its complete head (408 after).
    public var headerReadTimeout: Duration = .seconds(10)
    /// Longest pause allowed while reading a body (408 after).
    public var bodyIdleTimeout: Duration = .seconds(30)
    /// Slowest average rate, once `bodyRateGracePeriod` has passed, at which a request body may arrive (408 below it)
    /// or a response be read by the peer (close below it); 0 turns it off. A body trickled in, or an answer sipped,
    /// to hold a connection is cut off; a large transfer over a slow link is not.
    public var minBodyBytesPerSecond = 4 * 1024
    /// How long a body or response may take before `minBodyBytesPerSecond` applies.
    public var bodyRateGracePeriod: Duration = .seconds(10)
    /// How long an idle keep-alive connection is kept.
    public var keepAliveIdleTimeout: Duration = .seconds(60)
    /// Most simultaneously open connections.
    public var maxConnections = 1024
    /// How long shutdown waits for in-flight requests.
    public var shutdownGracePeriod: Duration = .seconds(10)

    /// The defaults.
    public init() {}
}
