import SQLite
import Store
import Synchronization

/// Prometheus metrics: counters and histograms kept in memory as requests are answered (labelled by route pattern,
/// never the raw path), and gauges the background tasks refresh from the database, so a scrape never queries it.
public final class Metrics: Sendable {
    /// Upper bounds of the latency histograms, in seconds.
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The routes that answer "is this digest cleared?", timed apart in `shipgate_clearance_duration_seconds`.
    static let clearanceRoutes: Set<String> = ["/api/v1/clearance/{ref}", "/api/v1/clearance:batch", "/k8s/admission", "/k8s/imagereview"]

    /// The evidence ingest routes (POST), by the kind of evidence they take.
    static let ingestRoutes: [String: String] = [
        "/api/v1/attestations": "attestation", "/api/v1/scans": "scan", "/api/v1/sboms": "sbom", "/api/v1/images/{digest}/config": "config",
    ]

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct DecisionKey: Hashable {
        let environment: String
        let outcome: String
    }

    private struct Histogram {
        var buckets = [Int](repeating: 0, count: Metrics.bucketBounds.count)
        var count = 0
        var sum = 0.0

        mutating func observe(_ seconds: Double) {
            if let index = Metrics.bucketBounds.firstIndex(where: { seconds <= $0 }) { buckets[index] += 1 }
            count += 1
            sum += seconds
        }
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var latency = Histogram()
        /// Clearance answers by route pattern.
        var clearanceLatency: [String: Histogram] = [:]
        /// Decisions served, by environment and outcome (cleared, not_cleared, break_glass).
        /// By environment and outcome, escaped only when rendered (this is counted on every clearance answer).
        var decisions: [DecisionKey: Int] = [:]
        /// Ingest requests by kind and outcome (accepted, rejected, unauthorized, error).
        var ingest: [String: Int] = [:]
        /// Failed webhook delivery attempts and deliveries given up, by event.
        var webhookFailures: [String: Int] = [:]
        var webhookAbandoned: [String: Int] = [:]
        /// Refreshed by the decision watcher.
        var counts = OperationalCounts()
        var drift: [String: Int] = [:]
    }

    private let state: Mutex<State>
    private let version: String

    public init(version: String) {
        self.version = version
        var initial = State()
        // Every series that alerts use exists from the start (at 0), so `increase()` sees the first failure.
        for event in WebhookEvent.allCases {
            initial.webhookFailures[event.rawValue] = 0
            initial.webhookAbandoned[event.rawValue] = 0
        }
        for kind in Set(Metrics.ingestRoutes.values) {
            for outcome in ["accepted", "rejected"] { initial.ingest[Self.ingestLabels(kind: kind, outcome: outcome)] = 0 }
        }
        state = Mutex(initial)
    }

    /// Records one answered request: the request counters and latency, plus clearance latency and ingest outcomes
    /// for the routes they concern.
    func record(route: String, method: String, status: Int, seconds: Double) {
        let ingestKind = method == "POST" ? Metrics.ingestRoutes[route] : nil
        let isClearance = Metrics.clearanceRoutes.contains(route)
        state.withLock { state in
            state.requests[Key(route: route, method: method, status: status), default: 0] += 1
            state.latency.observe(seconds)
            if isClearance { state.clearanceLatency[route, default: Histogram()].observe(seconds) }
            if let ingestKind { state.ingest[Self.ingestLabels(kind: ingestKind, outcome: Self.ingestOutcome(status)), default: 0] += 1 }
        }
    }

    /// Records one decision served; break-glass clearances are counted apart so they stand out.
    func recordDecision(environment: String, cleared: Bool, breakGlass: Bool) {
        let outcome = breakGlass ? "break_glass" : (cleared ? "cleared" : "not_cleared")
        state.withLock { $0.decisions[DecisionKey(environment: environment, outcome: outcome), default: 0] += 1 }
    }

    /// Records one failed webhook delivery attempt; `abandoned` when it was the last one.
    func recordWebhookFailure(event: String, abandoned: Bool) {
        state.withLock { state in
            state.webhookFailures[event, default: 0] += 1
            if abandoned { state.webhookAbandoned[event, default: 0] += 1 }
        }
    }

    /// Replaces the database-backed gauges.
    func update(_ counts: OperationalCounts) {
        state.withLock { $0.counts = counts }
    }

    /// Replaces the drift gauge (targets running a digest not cleared there, by environment).
    func update(drift: [String: Int]) {
        state.withLock { $0.drift = drift }
    }

    /// The exposition text, version 0.0.4.
    func render(openConnections: Int, database: DatabaseStatistics) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        header(&out, "shipgate_build_info", "gauge", "Build information.")
        out += "shipgate_build_info{version=\"\(Self.escape(version))\"} 1\n"
        header(&out, "shipgate_http_open_connections", "gauge", "Open HTTP connections.")
        out += "shipgate_http_open_connections \(openConnections)\n"
        header(&out, "shipgate_http_requests_total", "counter", "HTTP requests answered, by route pattern, method and status.")
        let keys = snapshot.requests.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        for key in keys {
            out += "shipgate_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(snapshot.requests[key]!)\n"
        }
        header(&out, "shipgate_http_request_duration_seconds", "histogram", "Time to compute a response.")
        histogram(&out, "shipgate_http_request_duration_seconds", labels: "", snapshot.latency)
        header(
            &out, "shipgate_clearance_duration_seconds", "histogram",
            "Time to answer a clearance question (single, batch, admission, image review), by route pattern.")
        for (route, value) in snapshot.clearanceLatency.sorted(by: { $0.key < $1.key }) {
            histogram(&out, "shipgate_clearance_duration_seconds", labels: "route=\"\(Self.escape(route))\"", value)
        }
        header(
            &out, "shipgate_decisions_total", "counter",
            "Clearance decisions served, by environment and outcome (break_glass: cleared only by break-glass).")
        let decisionLines = snapshot.decisions.map { key, value in
            "shipgate_decisions_total{environment=\"\(Self.escape(key.environment))\",outcome=\"\(key.outcome)\"} \(value)\n"
        }
        for line in decisionLines.sorted() { out += line }
        header(
            &out, "shipgate_ingest_requests_total", "counter",
            "Evidence posts by kind (attestation, scan, sbom, config) and outcome (accepted, rejected, unauthorized, error).")
        for (labels, value) in snapshot.ingest.sorted(by: { $0.key < $1.key }) {
            out += "shipgate_ingest_requests_total{\(labels)} \(value)\n"
        }
        // Writes per commit is how well group commit shares each fsync.
        header(&out, "shipgate_database_writes_total", "counter", "Write transactions of this process, by outcome (committed, failed).")
        out += "shipgate_database_writes_total{outcome=\"committed\"} \(database.committedWrites)\n"
        out += "shipgate_database_writes_total{outcome=\"failed\"} \(database.failedWrites)\n"
        header(&out, "shipgate_database_commits_total", "counter", "Database commits (each one fsync); grouped writes share one.")
        out += "shipgate_database_commits_total \(database.commits)\n"
        header(&out, "shipgate_audit_entries", "gauge", "Entries in the hash-chained audit log.")
        out += "shipgate_audit_entries \(snapshot.counts.auditEntries)\n"
        header(
            &out, "shipgate_break_glass_active", "gauge",
            "Break-glass clearances in force, by environment and whether an approver confirmed them.")
        // Every known environment has both series, at 0 when nothing is active, so alerts never miss a first one.
        var breakGlass = snapshot.counts.breakGlassActive
        for environment in snapshot.counts.environments {
            for confirmed in [false, true] { breakGlass[.init(environment: environment, confirmed: confirmed), default: 0] += 0 }
        }
        for (key, value) in breakGlass.sorted(by: { ($0.key.environment, $0.key.confirmed ? 1 : 0) < ($1.key.environment, $1.key.confirmed ? 1 : 0) }) {
            out += "shipgate_break_glass_active{environment=\"\(Self.escape(key.environment))\",confirmed=\"\(key.confirmed)\"} \(value)\n"
        }
        header(&out, "shipgate_drift_targets", "gauge", "Deployment targets whose latest digest is not cleared in their environment.")
        var drift = snapshot.drift
        for environment in snapshot.counts.environments { drift[environment, default: 0] += 0 }
        for (environment, value) in drift.sorted(by: { $0.key < $1.key }) {
            out += "shipgate_drift_targets{environment=\"\(Self.escape(environment))\"} \(value)\n"
        }
        header(&out, "shipgate_webhook_delivery_failures_total", "counter", "Failed webhook delivery attempts (network error or non-2xx), by event.")
        for (event, value) in snapshot.webhookFailures.sorted(by: { $0.key < $1.key }) {
            out += "shipgate_webhook_delivery_failures_total{event=\"\(Self.escape(event))\"} \(value)\n"
        }
        header(&out, "shipgate_webhook_deliveries_abandoned_total", "counter", "Webhook deliveries given up after the last attempt, by event.")
        for (event, value) in snapshot.webhookAbandoned.sorted(by: { $0.key < $1.key }) {
            out += "shipgate_webhook_deliveries_abandoned_total{event=\"\(Self.escape(event))\"} \(value)\n"
        }
        header(&out, "shipgate_webhook_deliveries_pending", "gauge", "Webhook deliveries waiting for an attempt.")
        out += "shipgate_webhook_deliveries_pending \(snapshot.counts.pendingDeliveries)\n"
        return out
    }

    private func header(_ out: inout String, _ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private func histogram(_ out: inout String, _ name: String, labels: String, _ value: Histogram) {
        let prefix = labels.isEmpty ? "" : labels + ","
        var cumulative = 0
        for (index, bound) in Metrics.bucketBounds.enumerated() {
            cumulative += value.buckets[index]
            out += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(value.count)\n"
        let suffix = labels.isEmpty ? "" : "{\(labels)}"
        out += "\(name)_sum\(suffix) \(value.sum)\n"
        out += "\(name)_count\(suffix) \(value.count)\n"
    }

    private static func ingestLabels(kind: String, outcome: String) -> String { "kind=\"\(kind)\",outcome=\"\(outcome)\"" }

    /// 2xx stored; 401/403 refused credentials (nothing was read); other 4xx refused input; 5xx failed.
    private static func ingestOutcome(_ status: Int) -> String {
        switch status {
        case 200..<300: "accepted"
        case 401, 403: "unauthorized"
        case 400..<500: "rejected"
        default: "error"
        }
    }

    /// Label values escape backslash, quote and newline (exposition format).
    private static func escape(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }
}
