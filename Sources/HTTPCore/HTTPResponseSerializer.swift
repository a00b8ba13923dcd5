/// Turns responses into HTTP/1.1 bytes (RFC 9112 §4, §6).
///
/// The serializer owns the framing headers: any `Content-Length`, `Transfer-Encoding` or `Connection` the
/// handler set is replaced, so a response can never describe a body it does not carry.
public enum HTTPResponseSerializer {
    /// Adds Content-Length (also on HEAD responses, body omitted), Date, and `Connection: close` when !keepAlive.
    /// Precondition: header names are tokens and values contain no CR/LF/NUL (response-splitting defence).
    ///
    /// - Parameters:
    ///   - response: what the handler produced.
    ///   - method: the request's method; HEAD keeps Content-Length but sends no body (RFC 9110 §9.3.2).
    ///   - keepAlive: whether the connection stays open; false adds `Connection: close`.
    ///   - date: the IMF-fixdate for the `Date` header (see `HTTPDate`), unless the response sets its own.
    ///   - requestVersion: for a kept-alive HTTP/1.0 client, `Connection: keep-alive` is added (RFC 9112 §C.2.2).
    /// - Returns: the complete response bytes.
    public static func serialize(
        _ response: HTTPResponse, for method: HTTPMethod, keepAlive: Bool, date: String,
        requestVersion: HTTPVersion = .http1_1
    ) -> [UInt8] {
        let status = response.status
        precondition((100...999).contains(status.code), "status code must have three digits")
        precondition(isValidReasonPhrase(status.reasonPhrase), "reason phrase must not contain CR, LF or NUL")
        precondition(isValidValue(date), "date must not contain CR, LF or NUL")

        // RFC 9110 §8.6 / §15.3.5 / §15.4.5: no Content-Length on 1xx/204, and 1xx/204/304 carry no content.
        let forbidsLength = status.code < 200 || status.code == 204
        let forbidsBody = forbidsLength || status.code == 304 || method == .HEAD
        // A HEAD or 304 response may state the length of the representation it omits (RFC 9110 §8.6).
        var declaredLength: String?
        if (method == .HEAD || status.code == 304) && response.body.isEmpty,
            let value = response.headers["Content-Length"], isDecimal(value)
        {
            declaredLength = value
        }

        var out: [UInt8] = []
        out.reserveCapacity(128 + response.headers.count * 32 + (forbidsBody ? 0 : response.body.count))
        append("HTTP/1.1 ", to: &out)
        HTTPSyntax.appendDecimal(status.code, to: &out)
        out.append(HTTPSyntax.sp)
        out.append(contentsOf: status.reasonPhrase.utf8)
        appendCRLF(to: &out)

        var hasDate = false
        for (name, value) in response.headers {
            precondition(isValidName(name), "response header name must be a token")
            precondition(isValidValue(value), "response header value must not contain CR, LF or NUL")
            if HTTPHeaders.namesEqual(name, "Content-Length") || HTTPHeaders.namesEqual(name, "Transfer-Encoding")
                || HTTPHeaders.namesEqual(name, "Connection")
            {
                continue
            }
            if HTTPHeaders.namesEqual(name, "Date") { hasDate = true }
            appendField(name, value, to: &out)
        }
        if forbidsLength {
            // no Content-Length at all
        } else if let declaredLength {
            appendField("Content-Length", declaredLength, to: &out)
        } else if status.code != 304 {
            append("Content-Length: ", to: &out)
            HTTPSyntax.appendDecimal(response.body.count, to: &out)
            appendCRLF(to: &out)
        }
        if !keepAlive {
            append("Connection: close\r\n", to: &out)
        } else if requestVersion == .http1_0 {
            append("Connection: keep-alive\r\n", to: &out)
        }
        if !hasDate { appendField("Date", date, to: &out) }
        appendCRLF(to: &out)
        if !forbidsBody { out.append(contentsOf: response.body) }
        return out
    }

    /// Canned plain-text error response with `Connection: close`; the body is the fixed reason plus "\n".
    public static func serializeError(_ error: HTTPParseError, date: String) -> [UInt8] {
        precondition(isValidReasonPhrase(error.status.reasonPhrase), "reason phrase must not contain CR, LF or NUL")
        precondition(isValidValue(date), "date must not contain CR, LF or NUL")
        let body = Array(error.reason.utf8) + [HTTPSyntax.lf]
        var out: [UInt8] = []
        out.reserveCapacity(200 + body.count)
        append("HTTP/1.1 ", to: &out)
        HTTPSyntax.appendDecimal(error.status.code, to: &out)
        out.append(HTTPSyntax.sp)
        out.append(contentsOf: error.status.reasonPhrase.utf8)
        append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ", to: &out)
        HTTPSyntax.appendDecimal(body.count, to: &out)
        append("\r\nConnection: close\r\nDate: ", to: &out)
        out.append(contentsOf: date.utf8)
        append("\r\nX-Content-Type-Options: nosniff\r\n\r\n", to: &out)
        out.append(contentsOf: body)
        return out
    }

    /// "HTTP/1.1 100 Continue\r\n\r\n".
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    // MARK: - Helpers

    private static func append(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private static func appendCRLF(to out: inout [UInt8]) {
        out.append(HTTPSyntax.cr)
        out.append(HTTPSyntax.lf)
    }

    private static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(HTTPSyntax.colon)
        out.append(HTTPSyntax.sp)
        out.append(contentsOf: value.utf8)
        appendCRLF(to: &out)
    }

    /// field-name = token (RFC 9110 §5.1).
    static func isValidName(_ name: String) -> Bool {
        !name.utf8.isEmpty && name.utf8.allSatisfy(HTTPSyntax.isTChar)
    }

    /// No CR, LF or NUL: the bytes that would split or truncate a response (NIO `HTTPHeaders+Validation`).
    static func isValidValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == HTTPSyntax.cr || $0 == HTTPSyntax.lf || $0 == 0 }
    }

    private static func isValidReasonPhrase(_ phrase: String) -> Bool {
        isValidValue(phrase)
    }

    private static func isDecimal(_ value: String) -> Bool {
        !value.utf8.isEmpty && value.utf8.count <= 18 && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
