import TestSupport
import HTTPCore
import HTTPServer
import Synchronization

/// A gate a handler can wait on until the test opens it; counts handlers that reached it.
final class Gate: Sendable {
    private struct State {
        var open = false
        var entered = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var entered: Int { state.withLock { $0.entered } }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = state.withLock { state in
                state.entered += 1
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Routes for the live tests:
/// - `/echo`: "METHOD target" then a newline and the body
/// - `/slow`: waits on `gate`, then answers "slow"
/// - `/small`: body limit 10 bytes
/// - `/big`: a 4 MiB body
/// - `/immediate/…`: "immediate METHOD path" from the event-loop thread when it offers, else "pooled METHOD path"
/// - anything else: "METHOD path"
struct TestResponder: HTTPResponder {
    let gate = Gate()

    func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        head.path == "/small" ? 10 : 1 << 20
    }

    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        switch request.path {
        case "/echo":
            var body = Array("\(request.method) \(request.head.target)\n".utf8)
            body += request.body
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: body)
        case "/slow":
            await gate.wait()
            return HTTPResponse(status: .ok, body: Array("slow".utf8))
        case "/big":
            return HTTPResponse(status: .ok, body: [UInt8](repeating: 0x61, count: 4 << 20))
        case "/context":
            return HTTPResponse(status: .ok, body: Array("\(context.isTLS) \(context.remoteAddress)".utf8))
        case let path where path.hasPrefix("/immediate/"):
            return HTTPResponse(status: .ok, body: Array("pooled \(request.method) \(path)".utf8))
        default:
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array("\(request.method) \(request.path)".utf8))
        }
    }

    func respondImmediately(to request: HTTPRequest, context: RequestContext) -> HTTPResponse? {
        guard request.path.hasPrefix("/immediate/") else { return nil }
        return HTTPResponse(status: .ok, body: Array("immediate \(request.method) \(request.path)".utf8))
    }
}

/// Records `onProtocolError` calls.
final class ProtocolErrorLog: Sendable {
    private let entries = Mutex<[(Int, String)]>([])

    var statuses: [Int] { entries.withLock { $0.map(\.0) } }

    func record(_ status: HTTPStatus, _ remote: String) {
        entries.withLock { $0.append((status.code, remote)) }
    }
}

/// A running server on 127.0.0.1 with an ephemeral port and short timeouts, shut down by `stop()`.
struct LiveServer: Sendable {
    let server: HTTPServer
    let responder: TestResponder
    let errors: ProtocolErrorLog
    var port: Int { server.port }

    init(host: String = "127.0.0.1", _ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = host
        configuration.port = 0
        configuration.timerInterval = .milliseconds(20)
        configuration.limits.headerReadTimeout = .seconds(5)
        configuration.limits.keepAliveIdleTimeout = .seconds(5)
        configuration.limits.bodyIdleTimeout = .seconds(5)
        configuration.limits.shutdownGracePeriod = .seconds(2)
        let errors = ProtocolErrorLog()
        configuration.onProtocolError = { errors.record($0, $1) }
        configure(&configuration)
        let responder = TestResponder()
        server = HTTPServer(configuration: configuration, responder: responder)
        self.responder = responder
        self.errors = errors
        try server.start()
    }

    func stop() async {
        await server.shutdown()
    }
}
