import HTTPCore
import Testing

@Suite struct HTTPHeadersTests {
    @Test func lookupIsCaseInsensitiveAndReturnsTheFirstValue() {
        let headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1", "x-a": "2"]
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["x-A"] == "1")
        #expect(headers.values(for: "X-a") == ["1", "2"])
        #expect(headers.contains("X-A"))
        #expect(!headers.contains("X-B"))
        #expect(headers["X-B"] == nil)
        #expect(headers.count == 3)
    }

    @Test func onlyLettersFoldCase() {
        let headers: HTTPHeaders = ["a@": "1", "a[": "2"]
        #expect(headers["a`"] == nil)  // '@' | 0x20 == '`' but they are different bytes
        #expect(headers["a{"] == nil)
        #expect(headers["A@"] == "1")
        #expect(headers["a"] == nil)
        #expect(headers["a@x"] == nil)
    }

    @Test func addSetAndRemoveKeepOrder() {
        var headers = HTTPHeaders()
        headers.add("A", "1")
        headers.add("B", "2")
        headers.add("a", "3")
        headers.add("C", "4")
        headers.set("A", "9")
        #expect(headers.map { "\($0.name)=\($0.value)" } == ["A=9", "B=2", "C=4"])
        headers.set("D", "5")
        #expect(headers.map(\.name) == ["A", "B", "C", "D"])
        headers.remove("b")
        #expect(headers.map(\.name) == ["A", "C", "D"])
        headers.remove("missing")
        #expect(headers.count == 3)
    }

    @Test func literalOrderIsPreserved() {
        let headers: HTTPHeaders = ["Z": "1", "A": "2", "M": "3"]
        #expect(headers.map(\.name) == ["Z", "A", "M"])
    }

    @Test func statusAndMethodValues() {
        #expect(HTTPStatus.ok.code == 200)
        #expect(HTTPStatus.payloadTooLarge.code == 413)
        #expect(HTTPStatus.requestHeaderFieldsTooLarge.reasonPhrase == "Request Header Fields Too Large")
        #expect(HTTPStatus.insufficientStorage.code == 507)
        #expect(HTTPMethod.PATCH.description == "PATCH")
        #expect(HTTPMethod(rawValue: "GET") == .GET)
        #expect(HTTPVersion.http1_0 == HTTPVersion(major: 1, minor: 0))
    }
}
