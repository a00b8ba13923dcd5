import CPosix
import HTTPCore
import HTTPServer
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Slowloris, slow body and slow read on loopback while a legitimate client keeps getting answers within 100 ms. The
// attackers are raw sockets driven from one thread (poll + non-blocking sends), each attack bounded to a couple of
// seconds by small timeouts, so the exact cut times can be checked; `SecurityScanTests/SlowHTTPTestScanTests` runs
// Debian's `slowhttptest` against the full server with its default deadlines.

/// Shared between the attacking thread and the measuring client.
private final class AttackSignals: Sendable {
    /// Attack rounds so far; the legitimate client paces itself on them.
    let ticks = Atomic<Int>(0)
    /// Attacking connections currently open (as far as the attacker knows).
    let live = Atomic<Int>(0)
    /// Set when the measurement is over: attackers stop misbehaving actively and wait for the server to cut them.
    let stop = Atomic<Bool>(false)
}

/// How the attackers misbehave.
private enum AttackStyle: Sendable {
    /// Slowloris: a request head trickled one byte per round and never finished; every connection the server
    /// cuts is replaced, so the pressure lasts the whole measurement.
    case trickleHead
    /// A complete head declaring 100 000 body bytes, then the body trickled one byte per round; every other
    /// attacker stalls after ten body bytes instead.
    case trickleBody
    /// Asks for a 4 MiB answer through a 4 KiB receive buffer and reads 512 bytes per round; connections the
    /// server cuts are replaced.
    case slowRead
}

/// What happened to one attacking connection.
private struct AttackerRecord: Sendable {
    /// Connect → the server's close (nil: still open when the attacker gave up).
    var lifetime: Duration?
    /// Last byte sent → the server's close.
    var sinceLastSend: Duration?
    /// The first bytes the server sent, as text.
    var response: String
    /// Bytes of the answer read.
    var received: Int
    /// Cut by the server before the measurement ended.
    var cutDuringAttack: Bool
    var stalled: Bool
}

private struct AttackReport: Sendable {
    var records: [AttackerRecord]
    var connections: Int
}

/// One attacking connection, owned by the attack thread.
private final class Attacker {
    let client: TestClient
    let connectedAt: ContinuousClock.Instant
    let script: [UInt8]
    let stalls: Bool
    var sent = 0
    var lastSendAt: ContinuousClock.Instant
    var received: [UInt8] = []
    var totalReceived = 0
    var closedAt: ContinuousClock.Instant?
    /// For slow readers: the server's end, to see when the server closes it. The client cannot see that itself:
    /// the kernel keeps sending the orphaned send buffer to a reader this slow long after the server closed.
    let serverSide: ServerSideSocket?
    var fd: Int32 { client.fd }

    init(port: Int, style: AttackStyle, index: Int) throws {
        client = try TestClient(port: port, timeout: .seconds(2), receiveBufferSize: style == .slowRead ? 4096 : nil)
        connectedAt = .now
        lastSendAt = connectedAt
        stalls = style == .trickleBody && index % 2 == 0
        let flags = fcntl(client.fd, F_GETFL)
        _ = fcntl(client.fd, F_SETFL, flags | O_NONBLOCK)
        switch style {
        case .trickleHead:
            script = Array("GET /loris/\(index) HTTP/1.1\r\nHost: t\r\nX-Loris: \(String(repeating: "z", count: 4000))".utf8)
        case .trickleBody:
            script = Array("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n".utf8) + [UInt8](repeating: 0x62, count: 100_000)
        case .slowRead:
            script = Array("GET /large HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
        }
        serverSide = style == .slowRead ? ServerSideSocket.find(forClient: client.fd) : nil
        switch style {
        case .trickleHead: break
        case .trickleBody: sendNow(script.count - 100_000 + 10)  // the whole head at once; the body then trickles (or stalls)
        case .slowRead: sendNow(script.count)
        }
    }

    /// Slow readers: notes the server's close as soon as its descriptor is gone.
    func checkServerSide() {
        guard closedAt == nil, let serverSide, !serverSide.isStillOurs else { return }
        closedAt = .now
    }

    /// Sends up to `count` more script bytes without blocking; a refused send means the server is gone.
    func sendNow(_ count: Int) {
        let end = min(script.count, sent + count)
        guard sent < end, closedAt == nil else { return }
        let result = script[sent..<end].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if result > 0 {
            sent += result
            lastSendAt = .now
        } else if result < 0, errno != EAGAIN, errno != EINTR {
            closedAt = .now
        }
    }

    /// Reads what is there, at most `limit` bytes (the slow reader's sip); notes EOF or reset as the server's close.
    func receiveNow(limit: Int = 4096) {
        guard closedAt == nil else { return }
        var chunk = [UInt8](repeating: 0, count: limit)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            totalReceived += count
            if received.count < 256 { received += chunk[0..<min(count, 256 - received.count)] }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            closedAt = .now
        }
    }

    func record(attackEnd: ContinuousClock.Instant?) -> AttackerRecord {
        AttackerRecord(
            lifetime: closedAt.map { $0 - connectedAt }, sinceLastSend: closedAt.map { $0 - lastSendAt },
            response: String(decoding: received, as: UTF8.self), received: totalReceived,
            cutDuringAttack: closedAt.map { closed in attackEnd.map { closed < $0 } ?? true } ?? false, stalled: stalls)
    }
}

/// Runs `count` attackers of one style on the calling thread: one round every `round`, until `signals.stop`,
/// then waits (up to `tail`) for the server to cut the rest. Slow readers stop reading at the stop.
private struct AttackDriver: Sendable {
    let port: Int
    let style: AttackStyle
    let count: Int
    var round: Duration = .milliseconds(20)
    let tail: Duration

    func run(_ signals: AttackSignals) throws -> AttackReport {
        // Slow readers connect one per round (like slowhttptest's connection rate), so their 4 MiB answers and the
        // server's cuts are spread out instead of arriving as one burst; the others all start at once.
        let initial = style == .slowRead ? 1 : count
        var live = try (0..<initial).map { try Attacker(port: port, style: style, index: $0) }
        var finished: [Attacker] = []
        var opened = initial
        var stoppedAt: ContinuousClock.Instant?
        var nextRound = ContinuousClock.now
        let hardDeadline = ContinuousClock.now + .seconds(20)  // a safety net should the measuring side die
        var pollSet: [pollfd] = []

        while ContinuousClock.now < hardDeadline {
            let now = ContinuousClock.now
            if stoppedAt == nil, signals.stop.load(ordering: .acquiring) { stoppedAt = now }
            if let stoppedAt {
                if live.isEmpty || now - stoppedAt > tail { break }
            }
            if stoppedAt == nil, now >= nextRound {
                nextRound = now + round
                for attacker in live {
                    switch style {
                    case .trickleHead: attacker.sendNow(1)
                    case .trickleBody where !attacker.stalls: attacker.sendNow(1)
                    case .trickleBody: break
                    case .slowRead: attacker.receiveNow(limit: 512)
                    }
                    attacker.checkServerSide()
                }
                if opened < count, stoppedAt == nil {
                    live.append(try Attacker(port: port, style: style, index: opened))
                    opened += 1
                }
                signals.ticks.add(1, ordering: .releasing)
            }
            if style != .slowRead {
                // Wait for the server's answers and closes until the next round.
                pollSet = live.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                let wait = stoppedAt == nil ? max(0, (nextRound - .now).wholeMilliseconds) : 10
                let ready = poll(&pollSet, nfds_t(pollSet.count), Int32(wait))
                if ready > 0 {
                    for (index, entry) in pollSet.enumerated() where entry.revents != 0 { live[index].receiveNow() }
                }
            } else {
                // Slow readers are not polled for input (reading is the very thing they do slowly): pace the rounds,
                // and after the stop just watch for the server's closes.
                usleep(stoppedAt == nil ? UInt32(max(0, (nextRound - .now).wholeMilliseconds)) * 1000 : 1000)
                for attacker in live { attacker.checkServerSide() }
            }
            let closed = live.filter { $0.closedAt != nil }
            if !closed.isEmpty {
                finished += closed
                live.removeAll { $0.closedAt != nil }
                if stoppedAt == nil {
                    // Reconnect at once: the pressure must not fade when the server cuts connections.
                    for _ in closed {
                        live.append(try Attacker(port: port, style: style, index: opened))
                        opened += 1
                    }
                }
            }
            signals.live.store(live.count, ordering: .relaxed)
        }
        let attackEnd = stoppedAt
        return AttackReport(records: (finished + live).map { $0.record(attackEnd: attackEnd) }, connections: opened)
    }
}

/// Latencies of the legitimate client, measured during an attack.
private struct LatencyReport: Sendable {
    var latencies: [Duration]
    var fewestLiveAttackers: Int

    var p50: Duration { latencies.sorted()[latencies.count / 2] }
    var p90: Duration { latencies.sorted()[latencies.count * 9 / 10] }
    var max: Duration { latencies.max() ?? .zero }

    var summary: String {
        "\(latencies.count) requests, p50 \(p50.millisecondsText) ms, p90 \(p90.millisecondsText) ms, max \(max.millisecondsText) ms"
    }
}

/// Makes `samples` requests, each on a fresh connection (connect, send, full answer), one per attack round so
/// the samples spread over the attack; then tells the attackers to stop.
private func measureLegitimateClient(port: Int, signals: AttackSignals, attackers: Int, samples: Int = 50) throws -> LatencyReport {
    defer { signals.stop.store(true, ordering: .releasing) }
    // Let the attack settle in first: every attacker connected and a few rounds played.
    let settled = pollBlocking(timeout: .seconds(3)) {
        signals.live.load(ordering: .relaxed) >= attackers && signals.ticks.load(ordering: .acquiring) >= 5
    }
    guard settled else {
        throw TestClientError(description: "the attack never started")
    }
    var latencies: [Duration] = []
    var fewest = Int.max
    for index in 0..<samples {
        let seen = signals.ticks.load(ordering: .acquiring)
        _ = pollBlocking(timeout: .seconds(1)) { signals.ticks.load(ordering: .acquiring) > seen }
        fewest = min(fewest, signals.live.load(ordering: .relaxed))
        let start = ContinuousClock.now
        let connection = try WireConnection(port: port)
        connection.send(Array("GET /legit/\(index) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8)[...])
        let result = connection.readResponse(bodyless: false)
        latencies.append(.now - start)
        guard case .response(let response) = result, WireAnswer(response) == .echo("GET", "/legit/\(index)") else {
            throw TestClientError(description: "legitimate request \(index) was not answered: \(result)")
        }
        connection.close()
    }
    return LatencyReport(latencies: latencies, fewestLiveAttackers: fewest)
}

extension Duration {
    fileprivate var wholeMilliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }

    fileprivate var millisecondsText: String {
        let micros = Int(components.seconds) * 1_000_000 + Int(components.attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

/// Small timeouts so every attack ends within a couple of seconds.
private func configureShortTimeouts(_ configuration: inout HTTPServerConfiguration) {
    configuration.limits.headerReadTimeout = .seconds(1)
    configuration.limits.bodyIdleTimeout = .milliseconds(500)
    configuration.limits.minBodyBytesPerSecond = 1000
    configuration.limits.bodyRateGracePeriod = .milliseconds(300)
    configuration.limits.keepAliveIdleTimeout = .seconds(1)
    configuration.timerInterval = .milliseconds(20)
}

/// The legitimate client's bound. Its round trip here is well under a millisecond; 100 ms is the issue's figure.
private let latencyBound: Duration = .milliseconds(100)

extension HTTPServerLiveTests {
    @Suite struct SlowClientTests {
        @Test func slowlorisIsCutAt408WhileALegitimateClientIsServedQuickly() async throws {
            try await withEchoServer(configureShortTimeouts) { echo in
                let port = echo.port
                let server = echo.server
                let signals = AttackSignals()
                let driver = AttackDriver(
                    port: port, style: .trickleHead, count: 200, round: .milliseconds(25), tail: .seconds(2))
                async let attack = TestThread.run { try driver.run(signals) }
                let latency = try await TestThread.run { try measureLegitimateClient(port: port, signals: signals, attackers: 200) }
                let report = try await attack

                let cut = report.records.filter { $0.lifetime != nil }
                let lifetimes = cut.compactMap(\.lifetime)
                print("slowloris, 200 connections trickling a head byte every 25 ms (\(report.connections) opened in all): "
                    + "legitimate client \(latency.summary); \(cut.count) attackers cut, lifetime "
                    + "\(lifetimes.min()?.wholeMilliseconds ?? 0)–\(lifetimes.max()?.wholeMilliseconds ?? 0) ms (headerReadTimeout 1000 ms)")
                #expect(latency.max < latencyBound)
                #expect(latency.fewestLiveAttackers >= 100, "the attack was on during the measurement")
                #expect(cut.count == report.records.count, "every slowloris connection is cut by the server")
                #expect(report.connections >= 400, "the first wave was cut during the measurement and replaced")
                for record in cut {
                    // The head deadline counts from the first byte, so trickling cannot stretch it.
                    #expect(record.response.hasPrefix("HTTP/1.1 408 "))
                    #expect(record.lifetime! >= .milliseconds(950) && record.lifetime! < .milliseconds(1400))
                }
                #expect(await eventually { server.openConnections == 0 })
            }
        }

        @Test func slowOrStalledBodiesAreCutAt408WhileALegitimateClientIsServedQuickly() async throws {
            try await withEchoServer(configureShortTimeouts) { echo in
                let port = echo.port
                let server = echo.server
                let signals = AttackSignals()
                let driver = AttackDriver(
                    port: port, style: .trickleBody, count: 100, tail: .seconds(2))
                async let attack = TestThread.run { try driver.run(signals) }
                let latency = try await TestThread.run { try measureLegitimateClient(port: port, signals: signals, attackers: 100) }
                let report = try await attack

                let during = report.records.filter(\.cutDuringAttack)
                let trickling = during.filter { !$0.stalled }.compactMap(\.lifetime)
                let stalled = during.filter(\.stalled).compactMap(\.lifetime)
                print("slow body, 100 connections (\(report.connections) opened in all), half trickling a body byte every 20 ms, half stalled "
                    + "after 10 bytes: legitimate client \(latency.summary); cut after "
                    + "\((trickling + stalled).min()?.wholeMilliseconds ?? 0)–\((trickling + stalled).max()?.wholeMilliseconds ?? 0) ms "
                    + "(below 1,000 B/s once a 300 ms grace is over; bodyIdleTimeout 500 ms)")
                #expect(latency.max < latencyBound)
                #expect(latency.fewestLiveAttackers >= 50, "the attack was on during the measurement")
                #expect(trickling.count >= 50 && stalled.count >= 50, "both kinds were cut while the attack went on, and replaced")
                for lifetime in trickling + stalled {
                    // 10 + 50 bytes a second earn only 10–60 ms past the grace: cut before the idle timeout could act.
                    #expect(lifetime >= .milliseconds(300) && lifetime < .milliseconds(700))
                }
                for record in report.records {
                    #expect(record.sinceLastSend != nil, "cut by the server")
                    #expect(record.response.hasPrefix("HTTP/1.1 408 "), "told why: \(record.response.prefix(40))")
                }
                #expect(await eventually { server.openConnections == 0 })
            }
        }

        @Test func slowReaderIsCutByTheWriteTimeoutWhileALegitimateClientIsServedQuickly() async throws {
            try await withEchoServer(configureShortTimeouts) { echo in
                let port = echo.port
                let server = echo.server
                let signals = AttackSignals()
                let driver = AttackDriver(port: port, style: .slowRead, count: 16, tail: .seconds(3))
                async let attack = TestThread.run { try driver.run(signals) }
                let latency = try await TestThread.run { try measureLegitimateClient(port: port, signals: signals, attackers: 16) }
                let report = try await attack

                let lifetimes = report.records.compactMap(\.lifetime)
                let received = report.records.map(\.received)
                print("slow read, 16 connections at a time (opened one per 20 ms) reading a 4 MiB answer 512 bytes per 20 ms through 4 KiB buffers "
                    + "(\(report.connections) opened in all): legitimate client \(latency.summary); "
                    + "\(report.records.filter(\.cutDuringAttack).count) cut while still reading, lifetime "
                    + "\(lifetimes.min()?.wholeMilliseconds ?? 0)–\(lifetimes.max()?.wholeMilliseconds ?? 0) ms, each had read "
                    + "\((received.min() ?? 0) / 1024)–\((received.max() ?? 0) / 1024) KiB (bodyIdleTimeout 500 ms is the write timeout)")
                #expect(latency.max < latencyBound)
                #expect(latency.fewestLiveAttackers >= 8, "the attack was on during the measurement")
                #expect(report.connections > 16, "slow readers were cut during the measurement and replaced")
                #expect(lifetimes.count == report.records.count, "every slow reader is cut by the server")
                for lifetime in lifetimes {
                    // Once the kernel buffers are full the loop sees no write progress: cut after bodyIdleTimeout.
                    #expect(lifetime >= .milliseconds(450) && lifetime < .milliseconds(1200))
                }
                #expect(await eventually { server.openConnections == 0 })
            }
        }
    }
}
