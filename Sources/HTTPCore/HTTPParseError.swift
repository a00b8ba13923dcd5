/// A request that cannot be parsed; the connection answers `status` and closes.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status to answer with.
    public let status: HTTPStatus
    /// Fixed explanatory text; never contains request bytes (STYLE pitfall 19).
    public let reason: String

    /// Creates an error; `reason` must be a constant, not derived from input.
    public init(status: HTTPStatus, reason: String) {
        self.status = status
        self.reason = reason
    }

    /// "400: reason".
    public var description: String { "\(status.code): \(reason)" }
}

/// The fixed catalogue of parse failures. Reasons are constants so no input byte is ever echoed.
extension HTTPParseError {
    // Framing of lines (RFC 9112 §2.2).
    static let bareLF = HTTPParseError(status: .badRequest, reason: "Line endings must be CRLF.")
    static let bareCR = HTTPParseError(status: .badRequest, reason: "Stray CR in the message.")

    // Request line (RFC 9112 §3).
    static let malformedRequestLine = HTTPParseError(status: .badRequest, reason: "Malformed request line.")
    static let invalidMethod = HTTPParseError(status: .badRequest, reason: "Invalid method.")
    static let unsupportedMethod = HTTPParseError(status: .notImplemented, reason: "Method not implemented.")
    static let invalidTarget = HTTPParseError(status: .badRequest, reason: "Invalid request target.")
    static let targetTooLong = HTTPParseError(status: .uriTooLong, reason: "Request target too long.")
    static let invalidVersion = HTTPParseError(status: .badRequest, reason: "Invalid HTTP version.")
    static let unsupportedVersion = HTTPParseError(status: .httpVersionNotSupported, reason: "HTTP version not supported.")

    // Header section (RFC 9112 §5, RFC 9110 §5).
    static let headersTooLarge = HTTPParseError(status: .requestHeaderFieldsTooLarge, reason: "Request header section too large.")
    static let tooManyHeaders = HTTPParseError(status: .requestHeaderFieldsTooLarge, reason: "Too many header fields.")
    static let obsFold = HTTPParseError(status: .badRequest, reason: "Obsolete line folding is not accepted.")
    static let missingColon = HTTPParseError(status: .badRequest, reason: "Header field without a colon.")
    static let emptyFieldName = HTTPParseError(status: .badRequest, reason: "Empty header field name.")
    static let whitespaceBeforeColon = HTTPParseError(status: .badRequest, reason: "Whitespace between header field name and colon.")
    static let invalidFieldName = HTTPParseError(status: .badRequest, reason: "Invalid character in header field name.")
    static let invalidFieldValue = HTTPParseError(status: .badRequest, reason: "Invalid character in header field value.")
    static let missingHost = HTTPParseError(status: .badRequest, reason: "Missing Host header.")
    static let repeatedHost = HTTPParseError(status: .badRequest, reason: "Repeated Host header.")
    static let invalidHost = HTTPParseError(status: .badRequest, reason: "Invalid Host header.")
    static let expectationFailed = HTTPParseError(status: .expectationFailed, reason: "Unsupported expectation.")

    // Message body framing (RFC 9112 §6–7).
    static let contentLengthAndTransferEncoding = HTTPParseError(
        status: .badRequest, reason: "Both Content-Length and Transfer-Encoding present.")
    static let invalidContentLength = HTTPParseError(status: .badRequest, reason: "Invalid Content-Length.")
    static let conflictingContentLength = HTTPParseError(status: .badRequest, reason: "Conflicting Content-Length values.")
    static let unsupportedTransferEncoding = HTTPParseError(status: .notImplemented, reason: "Unsupported Transfer-Encoding.")
    static let transferEncodingInHTTP10 = HTTPParseError(status: .badRequest, reason: "Transfer-Encoding in an HTTP/1.0 request.")
    static let invalidChunkSize = HTTPParseError(status: .badRequest, reason: "Invalid chunk size.")
    static let invalidChunkExtension = HTTPParseError(status: .badRequest, reason: "Invalid chunk extension.")
    static let chunkLineTooLong = HTTPParseError(status: .badRequest, reason: "Chunk size line too long.")
    static let missingChunkTerminator = HTTPParseError(status: .badRequest, reason: "Missing CRLF after chunk data.")
    static let trailersTooLarge = HTTPParseError(status: .badRequest, reason: "Trailer section too large.")
    static let forbiddenTrailerField = HTTPParseError(status: .badRequest, reason: "Framing or routing field in a trailer.")
    static let bodyTooLarge = HTTPParseError(status: .payloadTooLarge, reason: "Request body too large.")
}
