/// Why an `HTTPClient` request failed; `message` is fit to show an operator as is.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, for callers that react differently (all of them mean "no trustworthy answer").
    public enum Kind: Sendable, Equatable {
        /// The base URL, path or a header cannot be sent.
        case invalidRequest
        /// The host name does not resolve.
        case resolution
        /// Nothing listens on the port (ECONNREFUSED).
        case connectionRefused
        /// Another socket-level failure (unreachable network, reset, …).
        case connection
        /// Connecting or the whole exchange took longer than the client's timeout.
        case timeout
        /// The TLS handshake failed (certificate not trusted, wrong host name, protocol error) or the session broke.
        case tls
        /// The bytes received are not a well-formed HTTP/1.1 response (or it ended early).
        case malformedResponse
        /// The response is larger than the client accepts.
        case responseTooLarge
    }

    /// The class of failure.
    public let kind: Kind
    /// What happened, in words.
    public let message: String

    /// Creates an error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
