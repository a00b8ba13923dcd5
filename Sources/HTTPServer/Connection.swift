import Crypto
import HTTPCore

/// One client connection's state. Confined to the event-loop thread (it holds a non-Sendable
/// `TLSSession` and parser state), so it is deliberately not Sendable.
final class Connection {
    /// Where the connection is in its request/response cycle; each phase owns one deadline.
    enum Phase {
        /// Waiting for the first byte of the next request on a keep-alive connection (keep-alive idle timeout).
        case idle
        /// Fresh connection, TLS handshake, or part of a request head buffered (header read timeout, then 408).
        case readingHead
        /// Head accepted, body arriving (body idle timeout).
        case readingBody
        /// The responder has the request; nothing is read until its response is queued.
        case handling
        /// A response is being written (no-progress timeout = body idle timeout).
        case writing
        /// Flushing a final response or error before half-closing.
        case closing
        /// Write side shut; briefly reading and discarding so the peer gets our FIN, not a reset.
        case lingering
    }

    let id: UInt64
    let fd: Int32
    var socket: SocketFD?
    let context: RequestContext
    var parser: HTTPRequestParser
    let tls: TLSSession?
    var handshakeComplete: Bool
    var phase: Phase = .readingHead
    var deadline: MonotonicTime?
    /// When the current body started arriving (or the response being written), and the bytes moved since: its average rate.
    var transferStartedAt = MonotonicTime(nanoseconds: 0)
    var transferredBytes = 0
    /// Bytes not yet accepted by the kernel, starting at `outputOffset`.
    var output: [UInt8] = []
    var outputOffset = 0
    /// The epoll interest currently registered.
    var interest: UInt32
    /// Input arrived while a response was in progress: reading stays off until the response is out.
    var inputPaused = false
    /// Close (gracefully) once the current response is flushed.
    var closeAfterFlush = false
    /// The current request asked for `100-continue` and has not got it yet.
    var pendingContinue = false
    /// The peer ended its side (EOF or TLS close_notify); close after the in-flight response.
    var peerClosed = false
    /// Bytes thrown away while lingering, capped.
    var discardedBytes = 0
    var isClosed = false

    init(id: UInt64, socket: consuming SocketFD, context: RequestContext, limits: HTTPLimits, tls: TLSSession?, interest: UInt32) {
        self.id = id
        self.fd = socket.rawValue
        self.socket = consume socket
        self.context = context
        self.parser = HTTPRequestParser(limits: limits)
        self.tls = tls
        self.handshakeComplete = tls == nil
        self.interest = interest
    }

    var hasPendingOutput: Bool { outputOffset < output.count }

    /// Reads from the socket; nil once closed.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> IOResult? {
        try socket?.receive(into: buffer)
    }

    /// Writes to the socket; nil once closed.
    func send(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult? {
        try socket?.send(bytes)
    }

    /// Half-closes the socket's write side.
    func shutdownWrite() {
        socket?.shutdownWrite()
    }
}
