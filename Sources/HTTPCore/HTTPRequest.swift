/// The request line and header section of one request, as parsed.
public struct HTTPRequestHead: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The raw request-target as received (origin-form).
    public var target: String
    /// The raw (still percent-encoded) path part of the target, without the query.
    public var path: String
    /// The raw query after '?', nil when there is no '?'.
    public var query: String?
    /// The protocol version.
    public var version: HTTPVersion
    /// The header fields in arrival order.
    public var headers: HTTPHeaders
    /// Whether the connection may stay open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` (RFC 9110 §10.1.1).
    public var expectsContinue: Bool

    /// Creates a head; `path`/`query` are split from `target` at the first '?'.
    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:],
        keepAlive: Bool = true, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.path = String(target[..<q])
            self.query = String(target[target.utf8.index(after: q)...])
        } else {
            self.path = target
            self.query = nil
        }
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }
}

extension HTTPRequestHead {
    /// Memberwise form used by the parser, which has already split path and query.
    init(
        method: HTTPMethod, target: String, path: String, query: String?, version: HTTPVersion, headers: HTTPHeaders,
        keepAlive: Bool, expectsContinue: Bool
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }
}

/// A complete request: head plus body bytes.
public struct HTTPRequest: Sendable {
    /// The request line and headers.
    public var head: HTTPRequestHead
    /// The body (decoded from chunked framing when it was chunked).
    public var body: [UInt8]

    /// Creates a request.
    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    /// The request method.
    public var method: HTTPMethod { head.method }
    /// The raw path (still percent-encoded).
    public var path: String { head.path }
    /// The header fields.
    public var headers: HTTPHeaders { head.headers }

    /// Query parameters in order, percent-decoded with '+' as space; malformed pairs are skipped.
    public var queryItems: [(name: String, value: String)] {
        guard let query = head.query, !query.isEmpty else { return [] }
        var items: [(name: String, value: String)] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let eq = pair.firstIndex(of: "=") {
                name = pair[..<eq]
                value = pair[pair.index(after: eq)...]
            } else {
                name = pair
                value = ""
            }
            guard let n = PercentDecoding.decode(String(name), plusAsSpace: true),
                let v = PercentDecoding.decode(String(value), plusAsSpace: true)
            else { continue }
            items.append((name: n, value: v))
        }
        return items
    }

    /// The first decoded value of query parameter `name`, or nil.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }
}

/// A response to serialize.
public struct HTTPResponse: Sendable {
    /// Status line code and phrase.
    public var status: HTTPStatus
    /// Header fields (Content-Length, Date and Connection are added by the serializer).
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
