import HTTPCore
import Testing

/// A well-formed request and what the parser must make of it.
struct ValidCase: Sendable, CustomTestStringConvertible {
    let name: String
    let raw: String
    let method: HTTPMethod
    let path: String
    let query: String?
    let body: String
    let keepAlive: Bool
    let expectsContinue: Bool

    init(
        _ name: String, _ raw: String, method: HTTPMethod = .GET, path: String = "/", query: String? = nil,
        body: String = "", keepAlive: Bool = true, expectsContinue: Bool = false
    ) {
        self.name = name
        self.raw = raw
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    var testDescription: String { name }
}

let validCases: [ValidCase] = [
    ValidCase("simple GET", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ValidCase(
        "path and query", "GET /api/v1/audit?after=3&limit=10 HTTP/1.1\r\nHost: a\r\n\r\n",
        path: "/api/v1/audit", query: "after=3&limit=10"),
    ValidCase("empty query", "GET /x? HTTP/1.1\r\nHost: a\r\n\r\n", path: "/x", query: ""),
    ValidCase("literal with colon", "POST /api/v1/clearance:batch HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}",
              method: .POST, path: "/api/v1/clearance:batch", body: "{}"),
    ValidCase("HEAD", "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", method: .HEAD, path: "/h"),
    ValidCase("PUT with body", "PUT /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", method: .PUT, path: "/p", body: "hello"),
    ValidCase("DELETE", "DELETE /d HTTP/1.1\r\nHost: a\r\n\r\n", method: .DELETE, path: "/d"),
    ValidCase("PATCH", "PATCH /d HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx", method: .PATCH, path: "/d", body: "x"),
    ValidCase("OPTIONS", "OPTIONS /o HTTP/1.1\r\nHost: a\r\n\r\n", method: .OPTIONS, path: "/o"),
    ValidCase("Content-Length zero", "POST /z HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method: .POST, path: "/z"),
    ValidCase("Content-Length leading zeros", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 003\r\n\r\nabc", method: .POST, body: "abc"),
    ValidCase(
        "identical duplicate Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
        method: .POST, body: "abc"),
    ValidCase(
        "Content-Length with OWS", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \t3 \r\n\r\nabc", method: .POST, body: "abc"),
    ValidCase(
        "chunked", "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        method: .POST, path: "/c", body: "hello world"),
    ValidCase(
        "chunked, TE case-insensitive, hex sizes",
        "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n"
            + "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
        method: .POST, body: "0123456789abcdefghij"),
    ValidCase(
        "chunk extensions and trailers",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;name=value\r\nabc\r\n2 ; quoted=\"x y\"\r\nde\r\n0;last\r\nX-Trailer: 1\r\nChecksum: abc\r\n\r\n",
        method: .POST, body: "abcde"),
    ValidCase("leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    ValidCase("HTAB in value and OWS", "GET / HTTP/1.1\r\nHost:a\r\nX-T: a\tb \t\r\n\r\n"),
    ValidCase("obs-text in value", "GET / HTTP/1.1\r\nHost: a\r\nX-T: caf\u{E9}\r\n\r\n"),
    ValidCase("empty header value", "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n"),
    ValidCase("host with port and IPv6", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
    ValidCase("HTTP/1.0 without Host closes", "GET / HTTP/1.0\r\n\r\n", keepAlive: false),
    ValidCase("HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", keepAlive: true),
    ValidCase("HTTP/1.1 Connection: close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", keepAlive: false),
    ValidCase(
        "100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
        method: .POST, body: "ok", expectsContinue: true),
    ValidCase("percent-encoded target kept raw", "GET /a%20b/%2F?q=%41 HTTP/1.1\r\nHost: a\r\n\r\n", path: "/a%20b/%2F", query: "q=%41"),
]

@Suite struct RequestParserValidTests {
    @Test(arguments: validCases)
    func validRequestParsesToExpectedValues(_ c: ValidCase) throws {
        let outcome = parse(bytes(c.raw))
        #expect(outcome.error == nil)
        try #require(outcome.events.count == 2)
        #expect(outcome.events[0].isHead)
        let request = outcome.events[1]
        #expect(request.method == c.method.rawValue)
        #expect(request.path == c.path)
        #expect(request.query == c.query)
        #expect(request.body == bytes(c.body))
        #expect(request.keepAlive == c.keepAlive)
        #expect(request.expectsContinue == c.expectsContinue)
    }

    @Test(arguments: validCases)
    func byteByByteAndSplitsGiveTheSameResultAsAllAtOnce(_ c: ValidCase) {
        let input = bytes(c.raw)
        let whole = parse(input)
        #expect(parse(input, pieceSize: 1) == whole)
        #expect(parse(input, pieceSize: 3) == whole)
        for split in 0...input.count {
            #expect(parse(input, splitAt: split) == whole, "split at \(split)")
        }
    }

    @Test(arguments: validCases)
    func aValidRequestRepeatedBackToBackIsParsedEveryTime(_ c: ValidCase) {
        let input = bytes(c.raw)
        let once = parse(input)
        let thrice = parse(input + input + input)
        #expect(thrice.error == nil)
        #expect(thrice.events == once.events + once.events + once.events)
        #expect(parse(input + input + input, pieceSize: 1) == thrice)
    }

    @Test func headersKeepOrderCaseAndRepeats() throws {
        let outcome = parse(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\nAccept: */*\r\nX-A: 3\r\n\r\n"))
        let head = try #require(outcome.events.first)
        #expect(head.headers == ["Host: a", "X-A: 1", "x-a: 2", "Accept: */*", "X-A: 3"])
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\nAccept: */*\r\nX-A: 3\r\n\r\n"))
        guard case .head(let parsed) = try parser.next() else {
            Issue.record("expected a head")
            return
        }
        #expect(parsed.headers.values(for: "X-A") == ["1", "2", "3"])
        #expect(parsed.headers["ACCEPT"] == "*/*")
        #expect(parsed.version == .http1_1)
        #expect(parsed.target == "/")
    }

    @Test func pipelinedRequestsInOneBufferComeOutInOrder() throws {
        let input = bytes(
            "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
                + "DELETE /four HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let outcome = parse(input)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.path) == ["/one", "/two", "/three", "/four"])
        #expect(outcome.requests.map(\.body) == [[], bytes("abc"), bytes("z"), []])
        #expect(outcome.requests.map(\.keepAlive) == [true, true, true, false])
        #expect(parse(input, pieceSize: 1) == outcome)
        #expect(parse(input, pieceSize: 7) == outcome)
    }

    @Test func leftoverBytesOfTheNextRequestStayBuffered() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        #expect(!parser.isMidRequest)
        let first = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
        let partial = "GET /b HTTP/1.1\r\nHo"
        parser.append(bytes(first + partial))
        guard case .head = try parser.next() else {
            Issue.record("expected head")
            return
        }
        #expect(parser.isMidRequest)
        try parser.acceptBody(maxBytes: 0)
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected request")
            return
        }
        #expect(request.path == "/a")
        #expect(try needsMoreBytes(&parser))
        #expect(parser.isMidRequest)
        #expect(parser.bufferedByteCount == partial.utf8.count)
        parser.append(bytes("st: a\r\n\r\n"))
        guard case .head(let head) = try parser.next() else {
            Issue.record("expected head")
            return
        }
        #expect(head.path == "/b")
        try parser.acceptBody(maxBytes: 0)
        guard case .request = try parser.next() else {
            Issue.record("expected request")
            return
        }
        #expect(!parser.isMidRequest)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func headIsReportedBeforeTheBodyArrives() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab"))
        guard case .head(let head) = try parser.next() else {
            Issue.record("expected head")
            return
        }
        #expect(head.path == "/u")
        try parser.acceptBody(maxBytes: 4)
        #expect(try needsMoreBytes(&parser))
        #expect(parser.isMidRequest)
        parser.append(bytes("cd"))
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected request")
            return
        }
        #expect(request.body == bytes("abcd"))
    }

    @Test func nextWithoutAcceptBodyAppliesTheDefaultLimit() throws {
        var parser = HTTPRequestParser(limits: limits(body: 3))
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd"))
        _ = try parser.next()
        #expect(throws: HTTPParseError.self) { try parser.next() }
    }
}

