import HTTPCore
import Testing

@Suite struct ZZBench {
    @Test func bench() throws {
        let req = Array("GET /api/v1/clearance/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef?env=prod HTTP/1.1\r\nHost: shipgate.internal:8443\r\nUser-Agent: curl/8.5.0\r\nAccept: application/json\r\nAuthorization: Bearer sgt_abcdefghijklmnopqrstuvwxyz0123456789\r\nX-Request-ID: 5d8f2c1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f\r\nAccept-Encoding: gzip, deflate\r\n\r\n".utf8)
        var router = Router()
        router.add(.GET, "/api/v1/clearance/{digest}") { _, _ in HTTPResponse(status: .ok) }
        router.add(.POST, "/api/v1/clearance:batch") { _, _ in HTTPResponse(status: .ok) }
        router.add(.GET, "/api/v1/images/{digest}") { _, _ in HTTPResponse(status: .ok) }
        let n = 200_000
        let clock = ContinuousClock()
        var parser = HTTPRequestParser(limits: HTTPLimits())
        var count = 0
        let t = clock.measure {
            for _ in 0..<n {
                parser.append(req)
                while let e = try! parser.next() {
                    switch e {
                    case .head: try! parser.acceptBody(maxBytes: 1000)
                    case .request(let r): count += r.head.headers.count
                    }
                }
            }
        }
        print("parse: \(Double(n) / (Double(t.components.attoseconds) / 1e18 + Double(t.components.seconds))) req/s")
        var m = 0
        let t2 = clock.measure {
            for _ in 0..<n {
                if case .found = router.match(method: .GET, path: "/api/v1/clearance/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") { m += 1 }
            }
        }
        print("route: \(Double(n) / (Double(t2.components.attoseconds) / 1e18 + Double(t2.components.seconds))) /s")
        let resp = HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array(repeating: 0x41, count: 400))
        var total = 0
        let t3 = clock.measure {
            for _ in 0..<n { total += HTTPResponseSerializer.serialize(resp, for: .GET, keepAlive: true, date: "Sun, 06 Nov 1994 08:49:37 GMT").count }
        }
        print("serialize: \(Double(n) / (Double(t3.components.attoseconds) / 1e18 + Double(t3.components.seconds))) /s")
        let t4 = clock.measure {
            for i in 0..<n { total += HTTPDate.format(secondsSince1970: i).utf8.count }
        }
        print("date: \(Double(n) / (Double(t4.components.attoseconds) / 1e18 + Double(t4.components.seconds))) /s")
        #expect(count > 0 && m == n && total > 0)
    }
}
