import TestSupport
import CPosix
import HTTPCore
import HTTPServer
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A thread-safe flag for handing "ready" between test threads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

extension HTTPServerLiveTests {
    @Suite struct Lifecycle {
        @Test func finishesInFlightRequestsOnShutdownAndRefusesNewOnes() async throws {
            let live = try LiveServer()
            let port = live.port
            let inFlight = Task { try await TestThread.run { try TestClient(port: port).roundTrip(get("/slow")) } }
            let idleReady = Flag()
            let idleClosed = Task {
                try await TestThread.run {
                    let client = try TestClient(port: port)
                    _ = try client.roundTrip(get("/warm"))
                    idleReady.set()
                    return client.waitForClose()
                }
            }
            let partialReady = Flag()
            let partialClosed = Task {
                try await TestThread.run {
                    let client = try TestClient(port: port)
                    try client.send("GET /half HTTP/1.1\r\nHost:")
                    partialReady.set()
                    return client.waitForClose()
                }
            }
            #expect(await eventually { live.responder.gate.entered == 1 && idleReady.isSet && partialReady.isSet })
            #expect(await eventually { live.server.openConnections == 3 })

            let finished = Flag()
            let shutdown = Task {
                await live.server.shutdown()
                finished.set()
            }
            #expect(await eventually { TestClient.connectionRefused(port: port) })
            #expect(try await idleClosed.value)
            #expect(try await partialClosed.value)  // a half-sent head is dropped, not waited for
            #expect(!finished.isSet)

            live.responder.gate.open()
            let response = try await inFlight.value
            #expect(response.status == 200)
            #expect(response.text == "slow")
            #expect(response.header("Connection")?.lowercased() == "close")
            await shutdown.value
            #expect(live.server.openConnections == 0)
            await live.server.waitUntilStopped()
        }

        @Test func closesEverythingWhenTheGracePeriodRunsOut() async throws {
            let live = try LiveServer { $0.limits.shutdownGracePeriod = .milliseconds(200) }
            let port = live.port
            let inFlight = Task { try await TestThread.run { let c = try TestClient(port: port); try c.send(get("/slow")); return c.waitForClose() } }
            #expect(await eventually { live.responder.gate.entered == 1 })
            let start = ContinuousClock.now
            await live.server.shutdown()
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(1))
            #expect(try await inFlight.value)
            live.responder.gate.open()  // the abandoned handler finishes; its response goes nowhere
        }

        @Test func listensOnIPv6Loopback() async throws {
            guard ipv6LoopbackAvailable() else {
                print("skipping IPv6 test: this machine has no usable ::1")
                return
            }
            try await withLiveServer(host: "::1") { live in
                let port = live.port
                let (response, v4Refused) = try await TestThread.run {
                    let response = try TestClient(port: port, host: "::1").roundTrip(get("/context"))
                    return (response, TestClient.connectionRefused(port: port))
                }
                #expect(response.status == 200)
                #expect(response.text.hasPrefix("false [::1]:"))
                #expect(v4Refused)  // IPV6_V6ONLY: the v6 listener does not take IPv4 peers
            }
        }

        @Test func survivesPeersThatVanishBeforeTheResponse() async throws {
            try await withLiveServer { live in
                let port = live.port
                let server = live.server
                let status = try await TestThread.run {
                    for index in 0..<6 {
                        let client = try TestClient(port: port)
                        try client.send(get("/big"))
                        if index.isMultiple(of: 2) { client.close() } else { client.reset() }
                    }
                    _ = pollBlocking { server.openConnections == 0 }
                    return try TestClient(port: port).roundTrip(get("/alive")).status
                }
                #expect(status == 200)  // had SIGPIPE been raised, the test process would be dead
            }
        }

        @Test func keepsServingWhileSignalsInterruptSystemCalls() async throws {
            let restore = installNoOpHandlers(for: [SIGURG, SIGCHLD])
            defer { restore() }
            // The loop thread inherits its signal mask from the thread calling start(), and cooperative-pool
            // threads block every signal; start from a thread that accepts these two, so that the loop's
            // epoll_wait/recv/send really return EINTR.
            let live = try await TestThread.run {
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, SIGURG)
                sigaddset(&set, SIGCHLD)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                return try LiveServer()
            }
            let port = live.port
            // The thread names itself once it runs; wait for that rather than racing it.
            _ = await eventually { !threadIDs(named: "shipgate-http").isEmpty }
            let loopThreads = threadIDs(named: "shipgate-http")
            let stop = Flag()
            let signaller = Task {
                try await TestThread.run {
                    var sent = 0
                    while !stop.isSet {
                        for tid in loopThreads where cposix_tgkill(getpid(), tid, sent.isMultiple(of: 2) ? SIGURG : SIGCHLD) == 0 {
                            sent += 1
                        }
                        usleep(100)
                    }
                    return sent
                }
            }
            let results = try await TestThread.runParallel(4) { client in
                let connection = try TestClient(port: port)
                return try (0..<100).allSatisfy { request in
                    try connection.roundTrip(get("/s\(client)-\(request)")).text == "GET /s\(client)-\(request)"
                }
            }
            stop.set()
            let sent = try await signaller.value
            await live.stop()
            print("sent \(sent) signals to the event-loop thread during 400 requests")
            #expect(!loopThreads.isEmpty)  // a previous test's loop thread may still be exiting
            #expect(results == [true, true, true, true])
            #expect(sent > 0)
        }
    }
}

/// Thread IDs in this process whose name (`/proc/self/task/<tid>/comm`) is `name`.
private func threadIDs(named name: String) -> [Int32] {
    guard let directory = opendir("/proc/self/task") else { return [] }
    defer { closedir(directory) }
    var result: [Int32] = []
    while let entry = readdir(directory) {
        let tidText = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let tid = Int32(tidText), let file = fopen("/proc/self/task/\(tidText)/comm", "r") else { continue }
        var line = [CChar](repeating: 0, count: 64)
        let read = fgets(&line, Int32(line.count), file) != nil
        fclose(file)
        if read, String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == name {
            result.append(tid)
        }
    }
    return result
}

private func ipv6LoopbackAvailable() -> Bool {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
    }
}

/// Installs a do-nothing handler without SA_RESTART, so the signals really interrupt blocking calls
/// with EINTR (their default disposition would ignore them silently). Returns a restorer.
private func installNoOpHandlers(for signals: [Int32]) -> () -> Void {
    var previous: [(Int32, sigaction)] = []
    for number in signals {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = 0
        sigemptyset(&action.sa_mask)
        var old = sigaction()
        sigaction(number, &action, &old)
        previous.append((number, old))
    }
    return {
        for (number, old) in previous {
            var old = old
            sigaction(number, &old, nil)
        }
    }
}
