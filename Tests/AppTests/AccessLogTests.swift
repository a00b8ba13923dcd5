import Foundation
import Synchronization
import Testing
import TestSupport

/// Collects log lines written by a server under test.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined() }
}

@Suite struct AccessLogTests {
    @Test func textLinesCarryMethodPathStatusBytesTimeAndClientButNoSecrets() async throws {
        let capture = LogCapture()
        try await withLiveServer({ $0.logOutput = capture.append }) { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            _ = try await client.request("GET", "/healthz?token=sgt_secretinquery&password=hunter2", headers: [("Cookie", "session=cookie-secret")])
            _ = try await client.request(
                "POST", "/api/v1/users", token: admin, json: #"{"name":"carol","role":"viewer","password":"a secret passphrase"}"#)
            let lines = capture.all.filter { $0.contains(" /healthz ") || $0.contains(" /api/v1/users ") }
            #expect(lines.count == 2)
            let health = try #require(lines.first { $0.contains("/healthz") })
            let fields = health.split(separator: " ")
            #expect(fields[1] == "GET" && fields[2] == "/healthz" && fields[3] == "200")
            #expect(fields[4].hasSuffix("B") && fields[5].hasSuffix("us") && fields[6].hasPrefix("127.0.0.1"))
            for secret in [admin, "sgt_secretinquery", "hunter2", "cookie-secret", "a secret passphrase", "token="] {
                #expect(!capture.text.contains(secret), "log contains \(secret)")
            }
        }
    }

    @Test func jsonLinesAreOneObjectEach() async throws {
        let capture = LogCapture()
        try await withLiveServer({
            $0.logOutput = capture.append
            $0.logFormat = .json
        }) { live in
            _ = try await live.client().request("GET", "/api/v1/nothing")
            let line = try #require(capture.all.first { $0.contains(#""kind":"access""#) })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["method"] as? String == "GET")
            #expect(object["path"] as? String == "/api/v1/nothing")
            #expect(object["status"] as? Int == 404)
            #expect(object["route"] as? String == "unmatched")
            #expect(object["micros"] is Int && object["bytes"] is Int && object["remote"] is String)
        }
    }

    @Test func protocolErrorsAreLoggedToo() async throws {
        let capture = LogCapture()
        try await withLiveServer({ $0.logOutput = capture.append }) { live in
            let client = try live.client()
            try client.send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let response = try await TestThread.run { try client.readResponse() }
            #expect(response.status == 400)
            let deadline = Date().addingTimeInterval(5)
            while !capture.all.contains(where: { $0.contains(" 400 ") }), Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(capture.all.contains { $0.contains(" 400 ") })
        }
    }
}
