import CPosix
import Crypto
import HTTPCore

#if canImport(Glibc)
import Glibc
#endif

/// The single-threaded, level-triggered epoll loop that owns the listener and every connection.
/// It runs on its own OS thread; other threads reach it only through `handle` (mailbox + eventfd).
/// Not Sendable: after `LoopThread.start` hands it over, only the loop thread touches it.
final class EventLoop {
    /// Bytes read from a socket per readiness event; bounds what one connection can add per turn.
    static let readChunk = 64 * 1024
    /// Connections accepted per listener event, so a connect flood cannot starve established connections.
    static let acceptBatch = 64
    /// How long a half-closed connection waits for the peer's FIN before closing anyway.
    static let lingerTimeout: Duration = .seconds(1)
    /// How long a connection must have been sending its request head or body before a newcomer at the cap may displace it.
    static let evictionMinimumAge: Duration = .seconds(1)
    /// How much a lingering connection may still read (and discard) before it is closed outright.
    static let lingerDiscardCap = 64 * 1024
    /// Accept back-off after EMFILE and friends: 5 ms doubling to 1 s (Go `Serve` tempDelay).
    static let acceptBackoffFloor: Duration = .milliseconds(5)
    static let acceptBackoffCeiling: Duration = .seconds(1)
    static let eventCapacity = 256

    let handle: EventLoopHandle
    let limits: HTTPLimits
    let responder: any HTTPResponder
    let tlsContext: TLSServerContext?
    let timerInterval: Duration
    let onProtocolError: (@Sendable (HTTPStatus, String) -> Void)?

    let epoll: Epoll
    let wakeFD: Int32
    var listener: SocketFD?
    let listenerFD: Int32
    var connections: [Int32: Connection] = [:]
    var nextConnectionID: UInt64 = 0

    var acceptPaused = false
    var acceptBackoff: Duration = acceptBackoffFloor
    var acceptResumeAt = MonotonicTime(nanoseconds: 0)

    var draining = false
    var drainDeadline = MonotonicTime(nanoseconds: 0)
    /// Whether this loop turn may answer a request on the loop thread (`HTTPResponder.respondImmediately`).
    var mayAnswerInline = false
    /// Set while an inline answer is being written, so a pipelined request behind it goes to the pool, not deeper.
    var answeringInline = false
    var running = true

    /// The time at the top of the current loop turn; all deadlines of this turn use it.
    var now = MonotonicTime.now()
    var nextScan: MonotonicTime
    let readBuffer: UnsafeMutableRawBufferPointer
    var messages: [LoopMessage] = []
    let eventFDs: UnsafeMutablePointer<Int32>
    let eventMasks: UnsafeMutablePointer<UInt32>

    init(listener: consuming SocketFD, configuration: HTTPServerConfiguration, responder: any HTTPResponder) throws(SocketError) {
        let epoll = try Epoll()
        let wakeFD = cposix_eventfd(0, cposix_EFD_CLOEXEC | cposix_EFD_NONBLOCK)
        if wakeFD < 0 {
            let error = SocketError(operation: "eventfd", code: errno)
            epoll.close()
            throw error
        }
        do {
            try epoll.add(wakeFD, events: Epoll.readable)
            try epoll.add(listener.rawValue, events: Epoll.readable)
        } catch {
            closeFileDescriptor(wakeFD)
            epoll.close()
            throw error  // the consumed listener closes itself when this scope ends
        }
        self.epoll = epoll
        self.wakeFD = wakeFD
        self.handle = EventLoopHandle(wakeFD: wakeFD)
        self.listenerFD = listener.rawValue
        self.listener = consume listener
        self.limits = configuration.limits
        self.responder = responder
        self.tlsContext = configuration.tls
        self.timerInterval = configuration.timerInterval.nanoseconds > 0 ? configuration.timerInterval : .milliseconds(100)
        self.onProtocolError = configuration.onProtocolError
        self.nextScan = MonotonicTime.now() + self.timerInterval
        self.readBuffer = .allocate(byteCount: Self.readChunk, alignment: 16)
        self.eventFDs = .allocate(capacity: Self.eventCapacity)
        self.eventMasks = .allocate(capacity: Self.eventCapacity)
    }

    deinit {
        readBuffer.deallocate()
        eventFDs.deallocate()
        eventMasks.deallocate()
    }

    /// The loop body; returns after shutdown has closed everything.
    func run() {
        while running {
            var wakeAt = nextScan
            if acceptPaused, acceptResumeAt < wakeAt { wakeAt = acceptResumeAt }
            let timeout = Int32(clamping: MonotonicTime.now().milliseconds(until: wakeAt))
            let count = epoll.wait(fds: eventFDs, events: eventMasks, capacity: Int32(Self.eventCapacity), timeoutMilliseconds: timeout)
            now = .now()
            // One ready descriptor (plus perhaps the mailbox): nobody waits behind an answer given right here.
            mayAnswerInline = count <= 2
            var listenerReady = false
            for index in 0..<count {
                let fd = eventFDs[index]
                let events = eventMasks[index]
                if fd == wakeFD {
                    drainMailbox()
                } else if fd == listenerFD {
                    // Accept after the other events of this batch: a descriptor closed earlier in the
                    // batch could otherwise be reused by accept and receive the old one's stale event.
                    listenerReady = listener != nil
                } else if let connection = connections[fd] {
                    handleEvents(events, on: connection)
                }
            }
            if listenerReady { acceptConnections() }
            if acceptPaused, acceptResumeAt <= now { resumeAccepting() }
            if nextScan <= now {
                nextScan = now + timerInterval
                expireDeadlines()
            }
            if draining, connections.isEmpty || drainDeadline <= now { stop() }
        }
        handle.markStopped()
    }

    // MARK: Mailbox

    private func drainMailbox() {
        var counter: UInt64 = 0
        _ = try? syscall("read(eventfd)") { Glibc.read(wakeFD, &counter, 8) }
        handle.takeMessages(into: &messages)
        for message in messages {
            switch message {
            case .response(let fd, let id, let bytes, let keepAlive):
                if let connection = connections[fd], connection.id == id {
                    deliver(bytes, keepAlive: keepAlive, to: connection)
                }
            case .shutdown:
                beginDraining()
            }
        }
        messages.removeAll(keepingCapacity: true)
    }

    // MARK: Accepting

    private func acceptConnections() {
        for _ in 0..<Self.acceptBatch {
            var address = SocketAddress(storage: sockaddr_storage())
            let accepted: SocketFD?
            do {
                accepted = try listener?.accept(peer: &address)
            } catch {
                switch error.code {
                case ECONNABORTED, EPROTO, EPERM:
                    continue  // that one peer is gone or was refused by a firewall hook; the listener is fine
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM (and anything unexpected): keep the listener, but stop
                    // polling it for a while, or level-triggered epoll reports it readable forever and we spin.
                    pauseAccepting()
                    return
                }
            }
            guard let socket = accepted else { return }
            acceptBackoff = Self.acceptBackoffFloor
            register(socket, address: address)
        }
    }

    private func register(_ socket: consuming SocketFD, address: SocketAddress) {
        if connections.count >= limits.maxConnections, !evictOneConnection() {
            socket.close()  // over the cap: accept-and-close, so the peer learns at once instead of waiting in the backlog
            return
        }
        let session: TLSSession?
        if let tlsContext {
            guard let made = try? tlsContext.makeSession() else {
                socket.close()
                return
            }
            session = made
        } else {
            session = nil
        }
        // Responses are written whole; Nagle would only add a delayed-ACK round trip.
        try? socket.setOption(level: Int32(IPPROTO_TCP), name: cposix_TCP_NODELAY, value: 1)
        let fd = socket.rawValue
        do {
            try epoll.add(fd, events: Epoll.readable)
        } catch {
            socket.close()
            return
        }
        nextConnectionID &+= 1
        let context = RequestContext(remoteAddress: address.description, isTLS: session != nil)
        let connection = Connection(
            id: nextConnectionID, socket: socket, context: context, limits: limits, tls: session, interest: Epoll.readable)
        // Header read timeout from accept covers the TLS handshake and a peer that connects and says nothing.
        connection.deadline = now + limits.headerReadTimeout
        connections[fd] = connection
        handle.openConnections.add(1, ordering: .relaxed)
    }

    /// At the cap, makes room by closing the connection that holds a slot for the least: one lingering after its
    /// last answer, else the longest-idle keep-alive one, else the one that has been sending a request head for
    /// longest, else the body that has moved fewest bytes (those two only after `evictionMinimumAge`: slowloris and
    /// slow-body attackers, most likely). A request being handled or answered is never touched, and nothing was
    /// acknowledged on a connection closed here. False if there is no such connection.
    private func evictOneConnection() -> Bool {
        var victim: Connection?
        var victimRank = (Int.max, UInt64.max)
        for connection in connections.values where !connection.isClosed {
            let rank: (Int, UInt64)
            switch connection.phase {
            case .lingering:
                rank = (0, 0)
            case .idle:
                rank = (1, Self.startedAt(connection.deadline, timeout: limits.keepAliveIdleTimeout))
            case .readingHead:
                let started = Self.startedAt(connection.deadline, timeout: limits.headerReadTimeout)
                guard started &+ Self.evictionMinimumAge.nanoseconds <= now.nanoseconds else { continue }
                rank = (2, started)
            case .readingBody:
                guard connection.transferStartedAt.nanoseconds &+ Self.evictionMinimumAge.nanoseconds <= now.nanoseconds else { continue }
                rank = (3, UInt64(connection.transferredBytes))
            case .handling, .writing, .closing:
                continue
            }
            if rank < victimRank {
                victim = connection
                victimRank = rank
            }
        }
        guard let victim else { return false }
        close(victim)
        return true
    }

    /// When a phase began, from its deadline and timeout.
    private static func startedAt(_ deadline: MonotonicTime?, timeout: Duration) -> UInt64 {
        guard let deadline else { return 0 }
        return deadline.nanoseconds > timeout.nanoseconds ? deadline.nanoseconds - timeout.nanoseconds : 0
    }

    private func pauseAccepting() {
        guard !acceptPaused else { return }
        try? epoll.modify(listenerFD, events: 0)
        acceptPaused = true
        acceptResumeAt = now + acceptBackoff
        acceptBackoff = min(acceptBackoff * 2, Self.acceptBackoffCeiling)
    }

    private func resumeAccepting() {
        acceptPaused = false
        guard listener != nil else { return }
        try? epoll.modify(listenerFD, events: Epoll.readable)
    }

    // MARK: Closing

    /// Closes at once: deregister, then close (never the other way round).
    func close(_ connection: Connection) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        epoll.remove(connection.fd)
        connection.socket.take()?.close()
        connections[connection.fd] = nil
        connection.output = []
        handle.openConnections.subtract(1, ordering: .relaxed)
    }

    private func closeListener() {
        guard let socket = listener.take() else { return }
        epoll.remove(listenerFD)
        socket.close()
        acceptPaused = false
    }

    /// Graceful shutdown, step one: stop accepting, drop idle and half-sent requests, let the rest finish.
    private func beginDraining() {
        guard !draining else { return }
        draining = true
        handle.isDraining.store(true, ordering: .relaxed)
        drainDeadline = now + limits.shutdownGracePeriod
        closeListener()
        for connection in Array(connections.values) {
            switch connection.phase {
            case .idle, .readingHead, .lingering:
                close(connection)
            case .readingBody, .handling, .writing, .closing:
                break
            }
        }
    }

    /// Closes everything that is left and ends `run()`.
    private func stop() {
        for connection in Array(connections.values) { close(connection) }
        closeListener()
        epoll.remove(wakeFD)
        handle.closeMailbox()
        epoll.close()
        running = false
    }
}
