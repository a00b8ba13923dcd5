/// What `HTTPRequestParser.next()` produced.
public enum HTTPParseEvent: Sendable {
    /// A complete head; the caller must call `acceptBody(maxBytes:)` before `next()` again.
    case head(HTTPRequestHead)
    /// A complete request with its (de-chunked) body.
    case request(HTTPRequest)
}
