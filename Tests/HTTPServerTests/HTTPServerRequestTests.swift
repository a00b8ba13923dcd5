import TestSupport
import HTTPCore
import HTTPServer
import Testing

extension HTTPServerLiveTests {
    @Suite struct Requests {
        @Test func servesSimpleGet() async throws {
            try await withLiveServer { live in
                let port = live.port
                let response = try await TestThread.run {
                    try TestClient(port: port).roundTrip(get("/hello"))
                }
                #expect(response.status == 200)
                #expect(response.text == "GET /hello")
                #expect(response.header("Date") != nil)
                #expect(response.header("Content-Length") == "10")
            }
        }

        @Test func reusesOneKeepAliveConnectionForAHundredRequests() async throws {
            try await withLiveServer { live in
                let port = live.port
                let server = live.server
                let (bodies, open) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let bodies = try (0..<100).map { index in try client.roundTrip(get("/n\(index)")).text }
                    return (bodies, server.openConnections)
                }
                #expect(bodies == (0..<100).map { "GET /n\($0)" })
                #expect(open == 1)
            }
        }

        @Test func answersPipelinedRequestsInOrder() async throws {
            try await withLiveServer { live in
                let port = live.port
                let bodies = try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send(get("/slow-not") + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" + get("/third"))
                    return try (0..<3).map { _ in try client.readResponse().text }
                }
                #expect(bodies == ["GET /slow-not", "POST /echo\nabc", "GET /third"])
            }
        }

        @Test func anIdleLoopSendsTheResponderImmediateAnswerItself() async throws {
            try await withLiveServer { live in
                let port = live.port
                let server = live.server
                let (sequential, head, pooled) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let sequential = try (0..<20).map { try client.roundTrip(get("/immediate/\($0)")) }
                    let head = try client.roundTrip("HEAD /immediate/h HTTP/1.1\r\nHost: t\r\n\r\n", bodyless: true)
                    let pooled = try client.roundTrip(get("/elsewhere"))
                    return (sequential, head, pooled)
                }
                // One connection, one request at a time: the loop is idle each time and takes the immediate answer.
                #expect(sequential.map(\.text) == (0..<20).map { "immediate GET /immediate/\($0)" })
                #expect(sequential.allSatisfy { $0.status == 200 && $0.header("Date") != nil && $0.header("Content-Length") != nil })
                #expect(head.status == 200 && head.body.isEmpty && head.header("Content-Length") == "27")
                #expect(pooled.text == "GET /elsewhere")
                #expect(server.immediateAnswers == 21)
            }
        }

        @Test func pipelinedRequestsBehindAnImmediateAnswerStayInOrder() async throws {
            try await withLiveServer { live in
                let port = live.port
                let bodies = try await TestThread.run {
                    let client = try TestClient(port: port)
                    // Everything in one write: the first is answered on the loop, the one queued behind it goes to the
                    // pool rather than deeper into the loop's stack, and order holds whichever way each is answered.
                    let paths = (0..<50).map { $0 % 3 == 0 ? "/plain/\($0)" : "/immediate/\($0)" }
                    try client.send(paths.map { get($0) }.joined())
                    return try paths.map { _ in try client.readResponse().text }
                }
                #expect(bodies.count == 50)
                for (index, body) in bodies.enumerated() {
                    let path = index % 3 == 0 ? "/plain/\(index)" : "/immediate/\(index)"
                    if index % 3 == 0 {
                        #expect(body == "GET \(path)")
                    } else {
                        #expect(body == "immediate GET \(path)" || body == "pooled GET \(path)", "\(body)")
                    }
                }
                #expect(bodies.contains { $0.hasPrefix("pooled") }, "a request queued behind an immediate answer went to the pool")
            }
        }

        @Test func echoesAChunkedBody() async throws {
            try await withLiveServer { live in
                let port = live.port
                let response = try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                    try client.send("5\r\nhello\r\n")
                    try client.send("6\r\n world\r\n0\r\n\r\n")
                    return try client.readResponse()
                }
                #expect(response.status == 200)
                #expect(response.text == "POST /echo\nhello world")
            }
        }

        @Test func assemblesAContentLengthBodySentInManyWrites() async throws {
            try await withLiveServer { live in
                let port = live.port
                let body = (0..<2000).map { String($0 % 10) }.joined()
                let response = try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send("PUT /echo?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
                    let bytes = Array(body.utf8)
                    for start in stride(from: 0, to: bytes.count, by: 97) {
                        try client.send(Array(bytes[start..<min(start + 97, bytes.count)]))
                    }
                    return try client.readResponse()
                }
                #expect(response.text == "PUT /echo?x=1\n" + body)
            }
        }

        @Test func sendsInterim100ContinueBeforeTheFinalResponse() async throws {
            try await withLiveServer { live in
                let port = live.port
                let (interim, final) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
                    let interim = try client.readResponse()  // must arrive before we send the body
                    try client.send("data")
                    return (interim, try client.readResponse())
                }
                #expect(interim.status == 100)
                #expect(final.status == 200)
                #expect(final.text == "POST /echo\ndata")
            }
        }

        @Test func answersHeadWithHeadersButNoBody() async throws {
            try await withLiveServer { live in
                let port = live.port
                let (head, next) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let head = try client.roundTrip("HEAD /thing HTTP/1.1\r\nHost: t\r\n\r\n", bodyless: true)
                    // The next response on the connection must start right away: no stray body bytes in between.
                    return (head, try client.roundTrip(get("/after")))
                }
                #expect(head.status == 200)
                #expect(head.header("Content-Length") == "11")  // length of "HEAD /thing", body omitted
                #expect(next.text == "GET /after")
            }
        }

        @Test func closesAfterAResponseToConnectionClose() async throws {
            try await withLiveServer { live in
                let port = live.port
                let (response, closed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let response = try client.roundTrip(get("/bye", "Connection: close\r\n"))
                    return (response, client.waitForClose())
                }
                #expect(response.status == 200)
                #expect(response.header("Connection")?.lowercased() == "close")
                #expect(closed)
            }
        }

        @Test func writesALargeResponseThroughPartialWrites() async throws {
            try await withLiveServer { live in
                let port = live.port
                let (first, second) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    return (try client.roundTrip(get("/big")), try client.roundTrip(get("/after-big")))
                }
                #expect(first.body.count == 4 << 20)
                #expect(first.body.allSatisfy { $0 == 0x61 })
                #expect(second.text == "GET /after-big")
            }
        }

        @Test func passesTheRemoteAddressToTheResponder() async throws {
            try await withLiveServer { live in
                let port = live.port
                let response = try await TestThread.run { try TestClient(port: port).roundTrip(get("/context")) }
                #expect(response.text.hasPrefix("false 127.0.0.1:"))
            }
        }

        @Test func reportsAnAddressAlreadyInUse() async throws {
            try await withLiveServer { live in
                var configuration = HTTPServerConfiguration()
                configuration.port = live.port
                let second = HTTPServer(configuration: configuration, responder: TestResponder())
                #expect {
                    try second.start()
                } throws: { error in
                    (error as? SocketError)?.isAddressInUse == true
                }
            }
        }
    }
}
