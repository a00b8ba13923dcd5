import Crypto
import HTTPCore

/// Where and how the server listens.
public struct HTTPServerConfiguration: Sendable {
    /// Numeric IPv4 or IPv6 literal (a host containing ':' is IPv6, bound v6-only), or a name resolved once at start.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks an ephemeral port (read it back from `HTTPServer.port`).
    public var port: Int = 8080
    /// Protocol limits and timeouts; every one is enforced.
    public var limits = HTTPLimits()
    /// When set, every connection speaks TLS.
    public var tls: TLSServerContext? = nil
    /// How often deadlines are checked; timeouts fire up to this much late.
    public var timerInterval: Duration = .milliseconds(100)
    /// Called with (status, remote address) whenever the server itself answers with a canned error
    /// (400, 408, 413, 414, 431, 501, 505...). Runs on the event-loop thread: keep it cheap and non-blocking.
    public var onProtocolError: (@Sendable (HTTPStatus, String) -> Void)? = nil

    /// The defaults: 127.0.0.1:8080, plain HTTP, default limits.
    public init() {}
}
