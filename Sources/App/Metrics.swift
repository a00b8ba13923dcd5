import Synchronization

/// Prometheus counters and histograms for the HTTP side, labelled by route pattern (never the raw path).
public final class Metrics: Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var buckets = [Int](repeating: 0, count: Metrics.bucketBounds.count)
        var count = 0
        var sum = 0.0
        /// Decisions served, by environment and outcome (cleared, not_cleared, break_glass).
        var decisions: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private let version: String

    public init(version: String) { self.version = version }

    /// Records one answered request.
    func record(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[Key(route: route, method: method, status: status), default: 0] += 1
            if let index = Metrics.bucketBounds.firstIndex(where: { seconds <= $0 }) { state.buckets[index] += 1 }
            state.count += 1
            state.sum += seconds
        }
    }

    /// Records one decision served; break-glass clearances are counted apart so they stand out.
    func recordDecision(environment: String, cleared: Bool, breakGlass: Bool) {
        let outcome = breakGlass ? "break_glass" : (cleared ? "cleared" : "not_cleared")
        state.withLock { $0.decisions["environment=\"\(Self.escape(environment))\",outcome=\"\(outcome)\"", default: 0] += 1 }
    }

    /// The exposition text, version 0.0.4.
    func render(openConnections: Int) -> String {
        let snapshot = state.withLock { $0 }
        var out = """
            # HELP shipgate_build_info Build information.
            # TYPE shipgate_build_info gauge
            shipgate_build_info{version="\(Self.escape(version))"} 1
            # HELP shipgate_http_open_connections Open HTTP connections.
            # TYPE shipgate_http_open_connections gauge
            shipgate_http_open_connections \(openConnections)
            # HELP shipgate_http_requests_total HTTP requests answered, by route pattern, method and status.
            # TYPE shipgate_http_requests_total counter

            """
        let keys = snapshot.requests.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        for key in keys {
            out += "shipgate_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(snapshot.requests[key]!)\n"
        }
        out += """
            # HELP shipgate_http_request_duration_seconds Time to compute a response.
            # TYPE shipgate_http_request_duration_seconds histogram

            """
        var cumulative = 0
        for (index, bound) in Metrics.bucketBounds.enumerated() {
            cumulative += snapshot.buckets[index]
            out += "shipgate_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "shipgate_http_request_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.count)\n"
        out += "shipgate_http_request_duration_seconds_sum \(snapshot.sum)\n"
        out += "shipgate_http_request_duration_seconds_count \(snapshot.count)\n"
        out += "# HELP shipgate_decisions_total Clearance decisions served, by environment and outcome (break_glass: cleared only by break-glass).\n"
        out += "# TYPE shipgate_decisions_total counter\n"
        for (labels, value) in snapshot.decisions.sorted(by: { $0.key < $1.key }) {
            out += "shipgate_decisions_total{\(labels)} \(value)\n"
        }
        return out
    }

    /// Label values escape backslash, quote and newline (exposition format).
    private static func escape(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }
}
