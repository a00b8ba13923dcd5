import HTTPCore
import Testing

@Suite struct RequestParserSemanticsTests {
    struct KeepAliveCase: Sendable, CustomTestStringConvertible {
        let version: String
        let connection: String?
        let keepAlive: Bool
        var testDescription: String { "\(version) Connection: \(connection ?? "-") → \(keepAlive)" }
    }

    @Test(arguments: [
        KeepAliveCase(version: "1.1", connection: nil, keepAlive: true),
        KeepAliveCase(version: "1.1", connection: "close", keepAlive: false),
        KeepAliveCase(version: "1.1", connection: "CLOSE", keepAlive: false),
        KeepAliveCase(version: "1.1", connection: "keep-alive, Close", keepAlive: false),
        KeepAliveCase(version: "1.1", connection: "upgrade ,close ", keepAlive: false),
        KeepAliveCase(version: "1.1", connection: "keep-alive", keepAlive: true),
        KeepAliveCase(version: "1.1", connection: "closed", keepAlive: true),
        KeepAliveCase(version: "1.1", connection: "x-close", keepAlive: true),
        KeepAliveCase(version: "1.0", connection: nil, keepAlive: false),
        KeepAliveCase(version: "1.0", connection: "keep-alive", keepAlive: true),
        KeepAliveCase(version: "1.0", connection: "Keep-Alive", keepAlive: true),
        KeepAliveCase(version: "1.0", connection: "te, keep-alive", keepAlive: true),
        KeepAliveCase(version: "1.0", connection: "keep-alive, close", keepAlive: false),
        KeepAliveCase(version: "1.0", connection: "close", keepAlive: false),
    ])
    func keepAliveFollowsVersionAndConnectionTokens(_ c: KeepAliveCase) throws {
        var raw = "GET / HTTP/\(c.version)\r\nHost: a\r\n"
        if let connection = c.connection { raw += "Connection: \(connection)\r\n" }
        let outcome = parse(bytes(raw + "\r\n"))
        let request = try #require(outcome.requests.first)
        #expect(request.keepAlive == c.keepAlive)
    }

    /// The server asks the responder for a body limit only when the head declares content; a request without any is
    /// complete whatever limit it is given.
    @Test(arguments: [
        ("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", false),
        ("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false),
        ("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", true),
        ("POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", true),
    ])
    func onlyAHeadWithContentNeedsABodyLimit(raw: String, declaresContent: Bool) throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes(raw))
        guard case .head = try parser.next() else {
            Issue.record("expected head")
            return
        }
        #expect(parser.pendingHeadDeclaresContent == declaresContent)
        // With no room for content at all, a request without any still completes; one with content is refused.
        var completed = false
        do {
            try parser.acceptBody(maxBytes: 0)
            if case .request = try parser.next() { completed = true }
        } catch {}
        #expect(completed == !declaresContent)
        #expect(!parser.pendingHeadDeclaresContent)
    }

    @Test func hundredContinueIsReportedWithTheHeadBeforeTheBody() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"))
        guard case .head(let head) = try parser.next() else {
            Issue.record("expected head")
            return
        }
        #expect(head.expectsContinue)
        try parser.acceptBody(maxBytes: 10)
        #expect(try needsMoreBytes(&parser))
        parser.append(bytes("abc"))
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected request")
            return
        }
        #expect(request.body == bytes("abc"))
        #expect(request.head.expectsContinue)
    }

    @Test(arguments: [
        ("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true),
        ("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", false),
        ("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", false),
    ])
    func hundredContinueOnlyWhenThereIsABodyToWaitFor(raw: String, expected: Bool) throws {
        let request = try #require(parse(bytes(raw)).requests.first)
        #expect(request.expectsContinue == expected)
    }

    @Test func chunkedTrailersAndExtensionsAreDropped() throws {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;a=b;c\r\nWiki\r\n5 ;x=\"q\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0;end\r\nExpires: never\r\nX: y\r\n\r\n"
        let outcome = parse(bytes(raw))
        let request = try #require(outcome.requests.first)
        #expect(request.body == bytes("Wikipedia in\r\n\r\nchunks."))
        #expect(request.headers == ["Host: a", "Transfer-Encoding: chunked"])
        #expect(parse(bytes(raw), pieceSize: 1) == outcome)
    }

    @Test(arguments: ["Content-Length: 5", "Transfer-Encoding: chunked", "Trailer: X", "host: b"])
    func framingAndRoutingFieldsInTrailersAreRefused(field: String) throws {
        let raw = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\(field)\r\n\r\n"
        let outcome = parse(bytes(raw))
        #expect(outcome.error?.status == .badRequest)
        #expect(outcome.requests.isEmpty)
    }

    @Test func otherTrailerFieldsAreValidatedAndIgnored() throws {
        let raw = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-Checksum: 1\r\n\r\n"
            + "GET /b HTTP/1.1\r\nHost: a\r\n\r\n"
        let outcome = parse(bytes(raw))
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.path) == ["/a", "/b"])
        #expect(outcome.requests.first?.body == bytes("x"))
    }

    @Test func appendAcceptsRawBuffersAndNonContiguousCollections() throws {
        let input = bytes("POST /r HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
        for mode in 0..<2 {
            var parser = HTTPRequestParser(limits: HTTPLimits())
            if mode == 0 {
                input.withUnsafeBytes { parser.append($0) }
            } else {
                parser.append(input.lazy.map { $0 })
            }
            guard case .head = try parser.next() else {
                Issue.record("expected head")
                return
            }
            try parser.acceptBody(maxBytes: 3)
            guard case .request(let request) = try parser.next() else {
                Issue.record("expected request")
                return
            }
            #expect(request.body == bytes("abc"))
        }
    }

    @Test func midRequestStartsWithTheFirstByteAndEndsWithTheRequest() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        #expect(!parser.isMidRequest)
        parser.append(bytes("G"))
        #expect(try needsMoreBytes(&parser))
        #expect(parser.isMidRequest)
        #expect(parser.bufferedByteCount == 1)
        parser.append(bytes("ET / HTTP/1.1\r\nHost: a\r\n"))
        #expect(try needsMoreBytes(&parser))
        #expect(parser.bufferedByteCount == 25)
        parser.append(bytes("\r\n"))
        _ = try parser.next()
        #expect(parser.isMidRequest)
        try parser.acceptBody(maxBytes: 0)
        _ = try parser.next()
        #expect(!parser.isMidRequest)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func queryItemsArePercentDecodedWithPlusAsSpace() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("GET /q?a=1&b=x+y&c=%41%2B&d&e=%zz&=v&a=2 HTTP/1.1\r\nHost: h\r\n\r\n"))
        _ = try parser.next()
        try parser.acceptBody(maxBytes: 0)
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected request")
            return
        }
        let items = request.queryItems.map { "\($0.name)=\($0.value)" }
        #expect(items == ["a=1", "b=x y", "c=A+", "d=", "=v", "a=2"])
        #expect(request.queryValue("a") == "1")
        #expect(request.queryValue("e") == nil)
        #expect(request.queryValue("missing") == nil)
        #expect(request.method == .GET)
        #expect(request.path == "/q")
        #expect(request.headers["host"] == "h")
    }

    @Test func requestHeadInitSplitsPathAndQuery() {
        let head = HTTPRequestHead(method: .GET, target: "/a/b?x=1?y")
        #expect(head.path == "/a/b")
        #expect(head.query == "x=1?y")
        #expect(HTTPRequestHead(method: .GET, target: "/a").query == nil)
    }
}
