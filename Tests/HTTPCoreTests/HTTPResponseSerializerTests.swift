import HTTPCore
import Testing

private let date = "Sun, 06 Nov 1994 08:49:37 GMT"

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite struct HTTPResponseSerializerTests {
    @Test func okResponseWithBody() {
        let response = HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array("{}".utf8))
        let out = HTTPResponseSerializer.serialize(response, for: .GET, keepAlive: true, date: date)
        #expect(
            text(out)
                == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nDate: \(date)\r\n\r\n{}")
    }

    @Test func notKeepAliveAddsConnectionClose() {
        let out = HTTPResponseSerializer.serialize(
            HTTPResponse(status: .notFound, body: Array("no".utf8)), for: .GET, keepAlive: false, date: date)
        #expect(text(out) == "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\nDate: \(date)\r\n\r\nno")
    }

    @Test func headKeepsContentLengthAndOmitsBody() {
        let response = HTTPResponse(status: .ok, headers: ["ETag": "\"x\""], body: Array("hello".utf8))
        let out = HTTPResponseSerializer.serialize(response, for: .HEAD, keepAlive: true, date: date)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 5\r\nDate: \(date)\r\n\r\n")
    }

    @Test func headMayDeclareTheLengthOfAnOmittedBody() {
        let response = HTTPResponse(status: .ok, headers: ["Content-Length": "1234"])
        let out = HTTPResponseSerializer.serialize(response, for: .HEAD, keepAlive: true, date: date)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nDate: \(date)\r\n\r\n")
    }

    @Test func framingHeadersFromTheHandlerAreReplaced() {
        let response = HTTPResponse(
            status: .created,
            headers: ["Content-Length": "999", "Transfer-Encoding": "chunked", "connection": "keep-alive", "X-A": "1"],
            body: Array("abc".utf8))
        let out = HTTPResponseSerializer.serialize(response, for: .POST, keepAlive: false, date: date)
        #expect(text(out) == "HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Length: 3\r\nConnection: close\r\nDate: \(date)\r\n\r\nabc")
    }

    @Test func noContentHasNeitherLengthNorBody() {
        let out = HTTPResponseSerializer.serialize(
            HTTPResponse(status: .noContent, body: Array("ignored".utf8)), for: .DELETE, keepAlive: true, date: date)
        #expect(text(out) == "HTTP/1.1 204 No Content\r\nDate: \(date)\r\n\r\n")
    }

    @Test func notModifiedHasNoBody() {
        let out = HTTPResponseSerializer.serialize(
            HTTPResponse(status: .notModified, headers: ["ETag": "\"e\""]), for: .GET, keepAlive: true, date: date)
        #expect(text(out) == "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nDate: \(date)\r\n\r\n")
    }

    @Test func emptyBodyStillSendsContentLengthZero() {
        let out = HTTPResponseSerializer.serialize(HTTPResponse(status: .accepted), for: .POST, keepAlive: true, date: date)
        #expect(text(out) == "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nDate: \(date)\r\n\r\n")
    }

    @Test func keptAliveHTTP10ClientIsToldSo() {
        let out = HTTPResponseSerializer.serialize(
            HTTPResponse(status: .ok), for: .GET, keepAlive: true, date: date, requestVersion: .http1_0)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\nDate: \(date)\r\n\r\n")
    }

    @Test func handlerDateIsKept() {
        let out = HTTPResponseSerializer.serialize(
            HTTPResponse(status: .ok, headers: ["Date": "Thu, 01 Jan 1970 00:00:00 GMT"]), for: .GET, keepAlive: true,
            date: date)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func repeatedHeadersAreAllWrittenInOrder() {
        var headers = HTTPHeaders()
        headers.add("Set-Cookie", "a=1")
        headers.add("Set-Cookie", "b=2")
        let out = HTTPResponseSerializer.serialize(HTTPResponse(status: .ok, headers: headers), for: .GET, keepAlive: true, date: date)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\nDate: \(date)\r\n\r\n")
    }

    @Test func errorResponseIsCannedPlainTextThatCloses() {
        let error = HTTPParseError(status: .badRequest, reason: "Malformed request line.")
        let out = HTTPResponseSerializer.serializeError(error, date: date)
        #expect(
            text(out)
                == "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n"
                + "Connection: close\r\nDate: \(date)\r\nX-Content-Type-Options: nosniff\r\n\r\nMalformed request line.\n")
    }

    @Test(arguments: [HTTPStatus.requestHeaderFieldsTooLarge, .uriTooLong, .notImplemented, .httpVersionNotSupported])
    func errorResponseCarriesItsStatusLine(_ status: HTTPStatus) {
        let out = text(HTTPResponseSerializer.serializeError(HTTPParseError(status: status, reason: "x"), date: date))
        #expect(out.hasPrefix("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"))
        #expect(out.hasSuffix("\r\n\r\nx\n"))
    }

    @Test func continueResponseBytes() {
        #expect(text(HTTPResponseSerializer.continueResponse) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func serializedResponseParsesBackAsWellFramed() {
        // Round-trip sanity: the header block ends exactly once, and Content-Length matches the body.
        let body = [UInt8](repeating: 0x5A, count: 300)
        let out = HTTPResponseSerializer.serialize(HTTPResponse(status: .ok, body: body), for: .GET, keepAlive: true, date: date)
        let head = text(Array(out.prefix(out.count - 300)))
        #expect(head.hasSuffix("\r\n\r\n"))
        #expect(head.contains("Content-Length: 300\r\n"))
        #expect(Array(out.suffix(300)) == body)
    }

    @Test func invalidHeaderNameIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            _ = HTTPResponseSerializer.serialize(
                HTTPResponse(status: .ok, headers: ["Bad Name": "v"]), for: .GET, keepAlive: true, date: "d")
        }
    }

    @Test func responseSplittingValueIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            _ = HTTPResponseSerializer.serialize(
                HTTPResponse(status: .ok, headers: ["X-A": "v\r\nSet-Cookie: evil=1"]), for: .GET, keepAlive: true, date: "d")
        }
    }
}
