import HTTPCore
import Testing

/// A request the parser must refuse, with the status it must refuse it with.
struct RejectCase: Sendable, CustomTestStringConvertible {
    let name: String
    let raw: String
    let status: Int

    init(_ name: String, _ status: Int, _ raw: String) {
        self.name = name
        self.raw = raw
        self.status = status
    }

    var testDescription: String { "\(status) \(name)" }
}

private let host = "Host: a\r\n"

let rejectCases: [RejectCase] = [
    // Framing conflicts (request smuggling).
    RejectCase("TE and CL together", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
    RejectCase("CL and TE together, CL last", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"),
    RejectCase("differing Content-Length", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\n"),
    RejectCase("differing spelling of the same length", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 05\r\n\r\n"),
    RejectCase("Content-Length list", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 5\r\n\r\n"),
    RejectCase("Content-Length plus sign", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\n"),
    RejectCase("Content-Length minus sign", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: -5\r\n\r\n"),
    RejectCase("Content-Length hex", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 0x5\r\n\r\n"),
    RejectCase("Content-Length empty", 400, "POST / HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n"),
    RejectCase("Content-Length blank", 400, "POST / HTTP/1.1\r\n\(host)Content-Length:   \r\n\r\n"),
    RejectCase("Content-Length inner space", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 1 2\r\n\r\n"),
    RejectCase("Content-Length overflow", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999\r\n\r\n"),
    RejectCase("Content-Length Int.max+1", 400, "POST / HTTP/1.1\r\n\(host)Content-Length: 9223372036854775808\r\n\r\n"),
    RejectCase("TE gzip, chunked", 501, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n"),
    RejectCase("TE chunked, chunked", 501, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, chunked\r\n\r\n"),
    RejectCase("TE identity", 501, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: identity\r\n\r\n"),
    RejectCase("TE gzip", 501, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n"),
    RejectCase("TE empty", 501, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n\r\n"),
    RejectCase("two TE headers", 501, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
    RejectCase("TE in HTTP/1.0", 400, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),

    // Chunked body framing.
    RejectCase("non-hex chunk size", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
    RejectCase("empty chunk size", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n\r\n"),
    RejectCase("negative chunk size", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n-1\r\n"),
    RejectCase("0x chunk size", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0x5\r\n"),
    RejectCase("17 hex digits", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n00000000000000001\r\n"),
    RejectCase("chunk size overflow", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n"),
    RejectCase("space after chunk size without extension", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5 \r\n"),
    RejectCase("control byte in chunk extension", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5;a\u{01}\r\n"),
    RejectCase("bare LF after chunk size", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"),
    RejectCase("missing CRLF after chunk data", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
    RejectCase("LF only after chunk data", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n"),
    RejectCase("chunk longer than declared", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"),
    RejectCase("obs-fold in trailer", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n"),
    RejectCase("bare LF in trailer", 400, "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\n\r\n"),

    // Header syntax.
    RejectCase("whitespace before colon", 400, "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
    RejectCase("tab before colon", 400, "GET / HTTP/1.1\r\n\(host)X-A\t: b\r\n\r\n"),
    RejectCase("obs-fold", 400, "GET / HTTP/1.1\r\n\(host)X-A: b\r\n c\r\n\r\n"),
    RejectCase("obs-fold with tab", 400, "GET / HTTP/1.1\r\n\(host)X-A: b\r\n\tc\r\n\r\n"),
    RejectCase("first header line folded", 400, "GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
    RejectCase("CR in value", 400, "GET / HTTP/1.1\r\n\(host)X-A: b\rc\r\n\r\n"),
    RejectCase("NUL in value", 400, "GET / HTTP/1.1\r\n\(host)X-A: b\u{0}c\r\n\r\n"),
    RejectCase("CTL in value", 400, "GET / HTTP/1.1\r\n\(host)X-A: b\u{1B}c\r\n\r\n"),
    RejectCase("DEL in value", 400, "GET / HTTP/1.1\r\n\(host)X-A: b\u{7F}c\r\n\r\n"),
    RejectCase("NUL in name", 400, "GET / HTTP/1.1\r\n\(host)X\u{0}A: b\r\n\r\n"),
    RejectCase("CR in name", 400, "GET / HTTP/1.1\r\n\(host)X\rA: b\r\n\r\n"),
    RejectCase("empty header name", 400, "GET / HTTP/1.1\r\n\(host): b\r\n\r\n"),
    RejectCase("non-tchar in name", 400, "GET / HTTP/1.1\r\n\(host)X(A): b\r\n\r\n"),
    RejectCase("non-ASCII in name", 400, "GET / HTTP/1.1\r\n\(host)X\u{E9}: b\r\n\r\n"),
    RejectCase("missing colon", 400, "GET / HTTP/1.1\r\n\(host)X-A b\r\n\r\n"),

    // Line endings.
    RejectCase("bare LF after request line", 400, "GET / HTTP/1.1\n\(host)\r\n"),
    RejectCase("bare LF after header", 400, "GET / HTTP/1.1\r\nHost: a\n\r\n"),
    RejectCase("bare LF as final line", 400, "GET / HTTP/1.1\r\n\(host)\n"),
    RejectCase("LF only request", 400, "GET / HTTP/1.1\nHost: a\n\n"),
    RejectCase("bare CR ending request line", 400, "GET / HTTP/1.1\r\r\n\(host)\r\n"),

    // Host.
    RejectCase("missing Host on 1.1", 400, "GET / HTTP/1.1\r\n\r\n"),
    RejectCase("repeated Host", 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    RejectCase("repeated Host, same value", 400, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"),
    RejectCase("repeated Host on 1.0", 400, "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
    RejectCase("Host with space", 400, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
    RejectCase("Host with slash", 400, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
    RejectCase("Host with at-sign", 400, "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"),

    // Method.
    RejectCase("lowercase method", 400, "get / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("mixed-case method", 400, "Get / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("non-token method", 400, "GE(T / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("binary method (TLS on plain port)", 400, "\u{16}\u{03}\u{01}\u{00}"),
    RejectCase("unknown method", 501, "BREW / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("unknown method with dash", 501, "M-SEARCH / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("CONNECT", 501, "CONNECT / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("TRACE", 501, "TRACE / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("very long uppercase method", 501, String(repeating: "A", count: 40) + " / HTTP/1.1\r\n\(host)\r\n"),

    // Request line shape.
    RejectCase("two spaces after method", 400, "GET  / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("two spaces before version", 400, "GET /  HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("trailing space", 400, "GET / HTTP/1.1 \r\n\(host)\r\n"),
    RejectCase("leading space", 400, " GET / HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("tab separator", 400, "GET\t/ HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("missing version", 400, "GET /\r\n\(host)\r\n"),
    RejectCase("missing target and version", 400, "GET\r\n\(host)\r\n"),
    RejectCase("space in target", 400, "GET /a b HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("asterisk target", 400, "OPTIONS * HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("absolute-form target", 400, "GET http://a/ HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("relative target", 400, "GET a/b HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("fragment in target", 400, "GET /a#b HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("non-ASCII in target", 400, "GET /caf\u{E9} HTTP/1.1\r\n\(host)\r\n"),
    RejectCase("CTL in target", 400, "GET /a\u{01} HTTP/1.1\r\n\(host)\r\n"),

    // Version.
    RejectCase("HTTP/2.0", 505, "GET / HTTP/2.0\r\n\(host)\r\n"),
    RejectCase("HTTP/1.2", 505, "GET / HTTP/1.2\r\n\(host)\r\n"),
    RejectCase("HTTP/0.9", 505, "GET / HTTP/0.9\r\n\(host)\r\n"),
    RejectCase("HTTP/3.0", 505, "GET / HTTP/3.0\r\n\(host)\r\n"),
    RejectCase("lowercase http", 400, "GET / http/1.1\r\n\(host)\r\n"),
    RejectCase("garbage version", 400, "GET / HTTX/1.1\r\n\(host)\r\n"),
    RejectCase("non-digit minor", 400, "GET / HTTP/1.x\r\n\(host)\r\n"),
    RejectCase("two-digit minor", 400, "GET / HTTP/1.10\r\n\(host)\r\n"),
    RejectCase("no minor", 400, "GET / HTTP/2\r\n\(host)\r\n"),
    RejectCase("no dot", 400, "GET / HTTP/11\r\n\(host)\r\n"),

    // Expectations.
    RejectCase("unknown Expect", 417, "POST / HTTP/1.1\r\n\(host)Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx"),
    RejectCase("100-continue with extra", 417, "POST / HTTP/1.1\r\n\(host)Expect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx"),
]

@Suite struct RequestParserRejectionTests {
    @Test(arguments: rejectCases)
    func malformedRequestIsRejectedWithItsStatus(_ c: RejectCase) throws {
        let outcome = parse(bytes(c.raw))
        let error = try #require(outcome.error)
        #expect(error.status.code == c.status)
        #expect(outcome.requests.isEmpty)
    }

    @Test(arguments: rejectCases)
    func rejectionIsTheSameWhetherFedWholeOrByteByByte(_ c: RejectCase) {
        let whole = parse(bytes(c.raw))
        #expect(parse(bytes(c.raw), pieceSize: 1) == whole)
        #expect(parse(bytes(c.raw), pieceSize: 5) == whole)
    }

    @Test(arguments: rejectCases)
    func reasonNeverEchoesInput(_ c: RejectCase) throws {
        let error = try #require(parse(bytes(c.raw)).error)
        // Reasons come from a fixed catalogue: plain ASCII sentences, no request bytes.
        #expect(error.reason.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        for marker in ["BREW", "gzip", "HTTX", "zz", "200-ok", "user@"] where c.raw.contains(marker) {
            #expect(!error.reason.contains(marker))
        }
    }

    @Test func failedParserStaysFailedAndDropsInput() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("GET / HTTP/9.9\r\n"))
        #expect(throws: HTTPParseError.self) { try parser.next() }
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(parser.bufferedByteCount == 0)
        #expect(!parser.isMidRequest)
        do {
            _ = try parser.next()
            Issue.record("expected the failure to repeat")
        } catch {
            #expect(error.status == .httpVersionNotSupported)
        }
    }

    @Test func expectationIsRejectedBeforeAnyBodyIsRead() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("PUT / HTTP/1.1\r\nHost: a\r\nExpect: bogus\r\nContent-Length: 100\r\n\r\n"))
        do {
            _ = try parser.next()
            Issue.record("expected 417")
        } catch {
            #expect(error.status == .expectationFailed)
        }
    }
}
