import Crypto
import HTTPCore

#if canImport(Glibc)
import Glibc
#endif

/// A response as `HTTPClient` received it (after any 1xx interim responses).
public struct HTTPClientResponse: Sendable {
    /// The status code, 200…599.
    public var status: Int
    /// The header fields in the order received.
    public var headers: HTTPHeaders
    /// The body, de-chunked; empty for HEAD, 204 and 304.
    public var body: [UInt8]

    /// Creates a response value.
    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A small blocking HTTP/1.1 client over POSIX sockets, with TLS from `Crypto`: one request per connection
/// (`Connection: close`), every byte of it bounded in time (one deadline for connect and exchange) and size.
///
/// ```swift
/// let client = try HTTPClient(baseURL: "https://gate.example.com", timeout: .seconds(5))
/// let response = try client.send(method: .GET, path: "/healthz")
/// ```
/// `send` blocks its thread: call it from a thread of its own or a command-line tool, never from a busy
/// cooperative pool that also runs the server it talks to.
public final class HTTPClient: Sendable {
    /// The default cap on a response body.
    public static let defaultMaxResponseBytes = 16 * 1024 * 1024

    private let endpoint: HTTPClientEndpoint
    private let timeout: Duration
    private let tlsContext: TLSClientContext?
    private let maxResponseBytes: Int

    /// A client for `baseURL` (`http://host[:port][/prefix]` or `https://…`; IPv6 hosts in brackets).
    /// HTTPS verifies the server's certificate chain (against `caFile`, else the system roots) and that it names
    /// the host, unless `insecureSkipVerify` (for tests and diagnostics only).
    /// - Throws: `HTTPClientError` (`.invalidRequest`) for a URL it cannot use.
    public init(
        baseURL: String, timeout: Duration = .seconds(10), caFile: String? = nil, insecureSkipVerify: Bool = false,
        maxResponseBytes: Int = HTTPClient.defaultMaxResponseBytes
    ) throws {
        let endpoint = try HTTPClientEndpoint(parsing: baseURL)
        guard timeout > .zero else { throw HTTPClientError(.invalidRequest, "the timeout must be positive") }
        if !endpoint.isTLS, caFile != nil {
            throw HTTPClientError(.invalidRequest, "a CA file only applies to https:// URLs")
        }
        // Said plainly here rather than as an OpenSSL error queue at the first request.
        if let caFile, access(caFile, R_OK) != 0 {
            throw HTTPClientError(.invalidRequest, "cannot read the CA file '\(HTTPClientEndpoint.printable(caFile))'")
        }
        self.endpoint = endpoint
        self.timeout = timeout
        self.maxResponseBytes = max(0, maxResponseBytes)
        tlsContext = endpoint.isTLS ? TLSClientContext(verifyPeer: !insecureSkipVerify, caFile: caFile) : nil
    }

    /// Sends one request and reads the whole response. `path` (starting with "/", percent-encoded, may carry a query)
    /// is appended to the base URL's path. `Host`, `Content-Length` and `Connection` are set here; passing them is an error.
    /// - Throws: `HTTPClientError` — refused, timed out, TLS failure, malformed or too-large response, invalid request.
    public func send(method: HTTPMethod, path: String, headers: HTTPHeaders = [:], body: [UInt8] = []) throws -> HTTPClientResponse {
        let head = try requestHead(method: method, path: path, headers: headers, bodyCount: body.count)
        let deadline = ContinuousClock.now + timeout
        let connection = try ClientConnection.connect(to: endpoint, deadline: deadline, timeout: timeout)
        defer { connection.close() }
        if let tlsContext { try connection.startTLS(tlsContext, serverName: endpoint.host) }
        var reader = HTTPResponseReader(maxBodyBytes: maxResponseBytes, source: connection)
        var sendFailure: HTTPClientError?
        do {
            try connection.send(head + body)
        } catch {
            sendFailure = error
        }
        if let sendFailure {
            // A server may answer early (413, 401) and close before reading the body; its answer is still the answer.
            guard sendFailure.kind == .connection, let early = try? reader.read(isHEAD: method == .HEAD) else { throw sendFailure }
            return early
        }
        return try reader.read(isHEAD: method == .HEAD)
    }

    /// The request line and header block, after checking every piece is safe to put on the wire.
    private func requestHead(method: HTTPMethod, path: String, headers: HTTPHeaders, bodyCount: Int) throws(HTTPClientError) -> [UInt8] {
        guard !method.rawValue.isEmpty, method.rawValue.utf8.allSatisfy(HTTPResponseReader.isTokenByte) else {
            throw HTTPClientError(.invalidRequest, "invalid method")
        }
        guard path.hasPrefix("/"), path.allSatisfy(HTTPClientEndpoint.isPathCharacter) else {
            throw HTTPClientError(.invalidRequest, "the path must start with '/' and be percent-encoded (no spaces or control characters)")
        }
        var text = "\(method.rawValue) \(endpoint.basePath)\(path) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\n"
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPResponseReader.isTokenByte) else {
                throw HTTPClientError(.invalidRequest, "invalid header name")
            }
            // CR, LF or NUL in a value would let it forge further header lines.
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                throw HTTPClientError(.invalidRequest, "the value of header '\(name)' holds a line break or NUL")
            }
            switch name.lowercased() {
            case "host", "content-length", "transfer-encoding", "connection":
                throw HTTPClientError(.invalidRequest, "header '\(name)' is set by the client itself")
            default:
                text += "\(name): \(value)\r\n"
            }
        }
        if bodyCount > 0 || [HTTPMethod.POST, .PUT, .PATCH].contains(method) { text += "Content-Length: \(bodyCount)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }
}
