import HTTPCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server: one epoll event-loop thread for all socket I/O, responders on the Swift concurrency pool
/// (or, for answers they already hold, on the loop itself when it is idle).
///
/// ```swift
/// var configuration = HTTPServerConfiguration()
/// configuration.port = 0
/// let server = HTTPServer(configuration: configuration, responder: MyResponder())
/// try server.start()
/// print("listening on", server.port)
/// await server.shutdown()
/// ```
public final class HTTPServer: Sendable {
    private enum State {
        case created
        case running(EventLoopHandle, port: Int)
        case stopped
    }

    private let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let state = Mutex(State.created)

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: HTTPServerConfiguration, responder: some HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
    }

    /// Binds, listens and starts the event-loop thread (which inherits the calling thread's signal mask;
    /// from a concurrency-pool thread that means all signals blocked, so no EINTR on the loop).
    /// - Throws: `SocketError` when the address cannot be bound (e.g. `isAddressInUse`).
    public func start() throws {
        // Belt and braces with MSG_NOSIGNAL (STYLE pitfall 11): no write path may kill the process.
        signal(SIGPIPE, SIG_IGN)
        try state.withLock { state in
            guard case .created = state else { preconditionFailure("HTTPServer.start() called twice") }
            let listener = try ListeningSocket.make(host: configuration.host, port: configuration.port)
            let port = try listener.localPort()
            let loop = try EventLoop(listener: listener, configuration: configuration, responder: responder)
            state = .running(loop.handle, port: port)
            // The loop is handed to its thread here and never touched by this one again.
            LoopThread.start(name: "shipgate-http") { loop.run() }
        }
    }

    /// The bound port (useful after configuring port 0); 0 before `start()`.
    public var port: Int {
        state.withLock { state in
            if case .running(_, let port) = state { return port }
            return 0
        }
    }

    /// Client connections currently open.
    public var openConnections: Int {
        handle?.openConnections.load(ordering: .relaxed) ?? 0
    }

    /// Responses so far that the event loop sent itself (`HTTPResponder.respondImmediately`).
    public var immediateAnswers: Int {
        handle?.immediateAnswers.load(ordering: .relaxed) ?? 0
    }

    /// Stops accepting, closes idle connections and those mid-way through a request head, lets in-flight
    /// requests finish and flush (up to `limits.shutdownGracePeriod`), then closes everything.
    /// Returns once the event-loop thread has stopped.
    public func shutdown() async {
        let handle = state.withLock { state -> EventLoopHandle? in
            switch state {
            case .created:
                state = .stopped
                return nil
            case .running(let handle, _):
                return handle
            case .stopped:
                return nil
            }
        }
        guard let handle else { return }
        handle.post(.shutdown)
        await handle.waitUntilStopped()
    }

    /// Returns once the server has stopped (immediately if it never started).
    public func waitUntilStopped() async {
        guard let handle else { return }
        await handle.waitUntilStopped()
    }

    private var handle: EventLoopHandle? {
        state.withLock { state in
            if case .running(let handle, _) = state { return handle }
            return nil
        }
    }
}
