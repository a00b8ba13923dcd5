import TestSupport
import HTTPServer
import Testing

/// The live-socket suites run one test at a time: several measure latency and count connections,
/// and on two cores parallel servers would skew each other.
@Suite(.serialized) struct HTTPServerLiveTests {}

/// Starts a `LiveServer`, runs `body`, and always shuts the server down.
func withLiveServer(
    host: String = "127.0.0.1",
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    _ body: (LiveServer) async throws -> Void
) async throws {
    let live = try LiveServer(host: host, configure)
    do {
        try await body(live)
    } catch {
        await live.stop()
        throw error
    }
    await live.stop()
}

/// "GET path HTTP/1.1" with a Host header and optional extra header lines.
func get(_ path: String, _ extra: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
}
