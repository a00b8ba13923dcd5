import TestSupport
import HTTPCore
import HTTPServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Blocks the calling (test-client) thread until `condition` holds or `timeout` passes.
func pollBlocking(timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

/// A request the parser must refuse, and the canned status it must answer with.
struct Rejection: Sendable, CustomTestStringConvertible {
    let name: String
    let request: String
    let status: Int
    var testDescription: String { name }
}

extension HTTPServerLiveTests {
    @Suite struct Limits {
        static let rejections = [
            Rejection(
                name: "Transfer-Encoding with Content-Length (smuggling)",
                request: "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", status: 400),
            Rejection(
                name: "request target too long",
                request: "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", status: 414),
            Rejection(
                name: "header block too large",
                request: "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "b", count: 20000) + "\r\n\r\n", status: 431),
            Rejection(name: "HTTP version 3.0", request: "GET / HTTP/3.0\r\nHost: t\r\n\r\n", status: 505),
        ]

        @Test(arguments: rejections)
        func answersCannedErrorAndCloses(_ rejection: Rejection) async throws {
            try await withLiveServer { live in
                let port = live.port
                let (response, closed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let response = try client.roundTrip(rejection.request)
                    return (response, client.waitForClose())
                }
                #expect(response.status == rejection.status)
                #expect(response.header("Connection")?.lowercased() == "close")
                #expect(closed)
                #expect(await eventually { live.errors.statuses == [rejection.status] })
            }
        }

        @Test func answers413FromTheDeclaredLengthBeforeTheBodyIsSent() async throws {
            try await withLiveServer { live in
                let port = live.port
                let (response, closed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    // No body byte is ever sent: the answer must come from the head alone.
                    let response = try client.roundTrip("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
                    return (response, client.waitForClose())
                }
                #expect(response.status == 413)
                #expect(closed)
            }
        }

        @Test func answers408WhenTheHeadIsNotCompleteInTime() async throws {
            try await withLiveServer({ $0.limits.headerReadTimeout = .milliseconds(300) }) { live in
                let port = live.port
                let (response, closed, elapsed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let start = ContinuousClock.now
                    try client.send("GET / HTTP/1.1\r\nHost:")
                    let response = try client.readResponse()
                    return (response, client.waitForClose(), ContinuousClock.now - start)
                }
                #expect(response.status == 408)
                #expect(closed)
                #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(2))
                #expect(live.errors.statuses == [408])
            }
        }

        @Test func closesAnIdleKeepAliveConnectionSilently() async throws {
            try await withLiveServer({ $0.limits.keepAliveIdleTimeout = .milliseconds(300) }) { live in
                let port = live.port
                let (status, trailing, elapsed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let status = try client.roundTrip(get("/")).status
                    let start = ContinuousClock.now
                    let trailing = try client.receiveSome()  // [] = EOF without any bytes
                    return (status, trailing, ContinuousClock.now - start)
                }
                #expect(status == 200)
                #expect(trailing.isEmpty)
                #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(2))
                #expect(await eventually { live.server.openConnections == 0 })
            }
        }

        @Test func closesAConnectionThatSendsNothing() async throws {
            try await withLiveServer({ $0.limits.headerReadTimeout = .milliseconds(200) }) { live in
                let port = live.port
                let trailing = try await TestThread.run { try TestClient(port: port).receiveSome() }
                #expect(trailing.isEmpty)
                #expect(live.errors.statuses.isEmpty)
            }
        }

        @Test func closesAConnectionWhoseBodyStalls() async throws {
            try await withLiveServer({ $0.limits.bodyIdleTimeout = .milliseconds(300) }) { live in
                let port = live.port
                let (trailing, elapsed) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let start = ContinuousClock.now
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
                    let answer = try client.readResponse()
                    return (answer, ContinuousClock.now - start)
                }
                #expect(trailing.status == 408)
                #expect(trailing.text == "Request body timeout\n")
                #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(2))
            }
        }

        @Test func cutsABodyTrickledBelowTheMinimumRateButNotASteadySlowUpload() async throws {
            try await withLiveServer({ (configuration: inout HTTPServerConfiguration) in
                configuration.limits.minBodyBytesPerSecond = 1000
                configuration.limits.bodyRateGracePeriod = .milliseconds(200)
            }) { live in
                let port = live.port
                // 20 bytes every 50 ms is 400 B/s: never idle, but too slow once the grace is over.
                let (trickled, trickledFor) = try await TestThread.run {
                    let client = try TestClient(port: port)
                    let start = ContinuousClock.now
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n")
                    for _ in 0..<40 {
                        guard (try? client.send(String(repeating: "t", count: 20))) != nil else { break }
                        usleep(50_000)
                        if ContinuousClock.now - start > .seconds(1) { break }
                    }
                    return (try client.readResponse(), ContinuousClock.now - start)
                }
                #expect(trickled.status == 408)
                #expect(trickledFor < .seconds(1) + .milliseconds(500))
                // 500 bytes every 50 ms is 10 kB/s: a 6 kB body takes 0.6 s, three times the grace, and is answered.
                let steady = try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6000\r\n\r\n")
                    for _ in 0..<12 {
                        try client.send(String(repeating: "s", count: 500))
                        usleep(50_000)
                    }
                    return try client.readResponse()
                }
                #expect(steady.status == 200)
                #expect(steady.text.hasSuffix(String(repeating: "s", count: 6000)))
            }
        }

        @Test func dropsAPeerThatStopsReadingWithoutStallingOthers() async throws {
            try await withLiveServer({ $0.limits.bodyIdleTimeout = .milliseconds(300) }) { live in
                let port = live.port
                let server = live.server
                let (fresh, dropped) = try await TestThread.run {
                    let stuck = try TestClient(port: port, receiveBufferSize: 4096)
                    try stuck.send(get("/big"))  // 4 MiB answer that is never read
                    let fresh = try TestClient(port: port).roundTrip(get("/meanwhile"))
                    let dropped = pollBlocking { server.openConnections == 0 }
                    stuck.close()
                    return (fresh, dropped)
                }
                #expect(fresh.text == "GET /meanwhile")
                #expect(dropped)  // closed by the write no-progress timeout, not by the peer
            }
        }

        @Test func dropsAPeerThatReadsItsAnswerBelowTheMinimumRate() async throws {
            try await withLiveServer({ (configuration: inout HTTPServerConfiguration) in
                configuration.limits.bodyIdleTimeout = .seconds(60)
                configuration.limits.minBodyBytesPerSecond = 1 << 20
                configuration.limits.bodyRateGracePeriod = .milliseconds(300)
            }) { live in
                let port = live.port
                let server = live.server
                // 25 kB/s: the 4 MiB answer would take minutes. What the kernel buffers at once counts as sent, so the
                // cut comes once the average over everything sent falls below 1 MiB/s, long before the 60 s idle limit.
                let (read, lifetime) = try await TestThread.run {
                    let sipper = try TestClient(port: port, receiveBufferSize: 4096)
                    let start = ContinuousClock.now
                    try sipper.send(get("/big"))
                    _ = pollBlocking { server.openConnections == 1 }
                    var read = 0
                    while ContinuousClock.now - start < .seconds(20), server.openConnections > 0 {
                        var chunk = [UInt8](repeating: 0, count: 256)
                        let count = chunk.withUnsafeMutableBytes { recv(sipper.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                        if count > 0 { read += count }
                        usleep(10_000)
                    }
                    sipper.close()
                    return (read, ContinuousClock.now - start)
                }
                print("a reader sipping 25 kB/s of a 4 MiB answer (minimum 1 MiB/s after 300 ms): cut after \(lifetime), having read \(read) bytes")
                #expect(lifetime < .seconds(15), "cut by the rate, not the idle limit")
                #expect(read < 4 << 20)
            }
        }

        @Test func answersAFreshClientQuicklyWhileThreeHundredClientsTrickle() async throws {
            try await withLiveServer { live in
                let port = live.port
                let server = live.server
                let (response, elapsed, open) = try await TestThread.run {
                    var slow: [TestClient] = []
                    for index in 0..<300 {
                        let client = try TestClient(port: port)
                        try client.send("GET /slowloris/\(index) HTTP/1.1\r\nHost: t\r\nX-Slow: a")
                        slow.append(client)
                    }
                    for client in slow { try client.send("b") }
                    _ = pollBlocking { server.openConnections == 300 }
                    let start = ContinuousClock.now
                    let response = try TestClient(port: port).roundTrip(get("/fresh"))
                    let elapsed = ContinuousClock.now - start
                    let open = server.openConnections
                    for client in slow { client.close() }
                    return (response, elapsed, open)
                }
                print("fresh request next to 300 trickling clients answered in \(elapsed)")
                #expect(response.text == "GET /fresh")
                #expect(open >= 300)
                #expect(elapsed < .seconds(1))
            }
        }

        @Test func servesThirtyTwoParallelClientsFiftyRequestsEach() async throws {
            try await withLiveServer { live in
                let port = live.port
                let wrong = try await TestThread.runParallel(32) { client in
                    let connection = try TestClient(port: port)
                    var wrong = 0
                    for request in 0..<50 {
                        let body = "c\(client)r\(request)"
                        let response = try connection.roundTrip(
                            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                        if response.text != "POST /echo\n\(body)" { wrong += 1 }
                    }
                    return wrong
                }
                #expect(wrong.reduce(0, +) == 0)
                #expect(wrong.count == 32)
            }
        }

        @Test func atTheCapTheLongestIdleKeepAliveConnectionMakesRoom() async throws {
            try await withLiveServer({ $0.limits.maxConnections = 10 }) { live in
                let port = live.port
                let server = live.server
                let (served, oldestClosed, othersServed) = try await TestThread.run {
                    var idle: [TestClient] = []
                    for index in 0..<10 {
                        let client = try TestClient(port: port)
                        #expect(try client.roundTrip(get("/ok/\(index)")).status == 200)
                        idle.append(client)
                        usleep(5_000)  // distinct idle ages
                    }
                    _ = pollBlocking { server.openConnections == 10 }
                    let served = try TestClient(port: port).roundTrip(get("/newcomer")).status
                    let oldestClosed = idle[0].waitForClose()
                    let othersServed = try (1..<10).allSatisfy { try idle[$0].roundTrip(get("/again")).status == 200 }
                    return (served, oldestClosed, othersServed)
                }
                #expect(served == 200, "a newcomer is served at the cap")
                #expect(oldestClosed, "by closing the connection idle for longest")
                #expect(othersServed)
            }
        }

        @Test func atTheCapASlowlorisHeadOlderThanASecondMakesRoom() async throws {
            try await withLiveServer({ $0.limits.maxConnections = 10 }) { live in
                let port = live.port
                let server = live.server
                let (served, oldestClosed, othersOpen) = try await TestThread.run {
                    let trickling = try (0..<10).map { index in
                        let client = try TestClient(port: port)
                        try client.send("GET /loris/\(index) HTTP/1.1\r\nHost: t\r\n")
                        usleep(5_000)
                        return client
                    }
                    _ = pollBlocking { server.openConnections == 10 }
                    usleep(1_200_000)
                    let served = try TestClient(port: port).roundTrip(get("/newcomer")).status
                    let oldestClosed = trickling[0].waitForClose()
                    // The rest finish their heads and are answered: only one was displaced.
                    let othersOpen = try (1..<10).allSatisfy { try trickling[$0].roundTrip("\r\n").status > 0 }
                    return (served, oldestClosed, othersOpen)
                }
                #expect(served == 200)
                #expect(oldestClosed)
                #expect(othersOpen)
            }
        }

        @Test func closesConnectionsBeyondTheCapPromptly() async throws {
            try await withLiveServer({ $0.limits.maxConnections = 10 }) { live in
                let port = live.port
                let server = live.server
                let (reachedCap, closed, elapsed, stillServed) = try await TestThread.run {
                    let idle = try (0..<10).map { _ in try TestClient(port: port) }
                    let reachedCap = pollBlocking { server.openConnections == 10 }
                    let start = ContinuousClock.now
                    let extra = try TestClient(port: port)
                    let closed = extra.waitForClose()
                    let elapsed = ContinuousClock.now - start
                    let stillServed = try idle[3].roundTrip(get("/ok")).status == 200
                    return (reachedCap, closed, elapsed, stillServed)
                }
                #expect(reachedCap)
                #expect(closed)
                #expect(elapsed < .seconds(1))
                #expect(stillServed)
            }
        }
    }
}
