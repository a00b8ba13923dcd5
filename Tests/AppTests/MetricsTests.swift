import Foundation
import Testing
import TestSupport

/// `/metrics` on a live server: every documented series is present and moves with the event it counts.
@Suite struct MetricsTests {
    static let digest = "sha256:" + String(repeating: "3d", count: 32)

    /// The samples of the exposition text, by series (name plus labels as written).
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            result[String(line[..<space])] = value
        }
        return result
    }

    static func scrape(_ live: LiveServer) async throws -> [String: Double] {
        let response = try await live.client().request("GET", "/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return samples(response.text)
    }

    /// Scrapes until `condition` holds (the database gauges are refreshed in the background).
    static func scrape(_ live: LiveServer, until condition: @escaping ([String: Double]) -> Bool) async throws -> [String: Double] {
        let deadline = ContinuousClock.now + .seconds(5)
        var last = try await scrape(live)
        while !condition(last), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            last = try await scrape(live)
        }
        return last
    }

    @Test func everyDocumentedSeriesIsExposedFromTheStart() async throws {
        try await withLiveServer { live in
            let metrics = try await Self.scrape(live, until: { $0["shipgate_audit_entries"] ?? 0 > 0 })
            for series in [
                "shipgate_build_info{version=\"0.1.0\"}", "shipgate_http_open_connections", "shipgate_audit_entries",
                "shipgate_webhook_deliveries_pending", "shipgate_break_glass_active{environment=\"production\",confirmed=\"false\"}",
                "shipgate_break_glass_active{environment=\"staging\",confirmed=\"true\"}", "shipgate_drift_targets{environment=\"production\"}",
                "shipgate_ingest_requests_total{kind=\"scan\",outcome=\"accepted\"}", "shipgate_ingest_requests_total{kind=\"attestation\",outcome=\"rejected\"}",
                "shipgate_webhook_delivery_failures_total{event=\"image.uncleared\"}", "shipgate_webhook_deliveries_abandoned_total{event=\"drift.detected\"}",
            ] {
                #expect(metrics[series] != nil, "missing \(series)")
            }
            #expect(metrics["shipgate_break_glass_active{environment=\"production\",confirmed=\"false\"}"] == 0)
            // Setup wrote (policies, the receipt key, the admin); no write failed; a commit holds one write or more.
            let committed = metrics["shipgate_database_writes_total{outcome=\"committed\"}"] ?? 0
            let commits = metrics["shipgate_database_commits_total"] ?? 0
            #expect(commits > 0 && committed >= commits, "\(committed) writes in \(commits) commits")
            #expect(metrics["shipgate_database_writes_total{outcome=\"failed\"}"] == 0)
            // Installing the default policies and the receipt key were audited before the first request.
            let audited = try await live.auditActions().count
            #expect(metrics["shipgate_audit_entries"] == Double(audited))
        }
    }

    @Test func ingestClearanceBreakGlassDriftAndAuditMoveTheirSeries() async throws {
        try await withLiveServer({ $0.decisionWatch.pollInterval = .milliseconds(50); $0.decisionWatch.changeCheckInterval = .milliseconds(10) }) { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead, .deploymentsWrite], name: "ci")
            let client = try live.client()
            let scan = try trivyReport([("CVE-2024-0002", "HIGH", "")], createdAt: Date())
            #expect(try await client.request("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: scan).status == 201)
            #expect(try await client.request("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: #"{"not":"a report"}"#).status >= 400)
            #expect(try await client.request("POST", "/api/v1/sboms", token: nil, json: "{}").status == 401)
            #expect(try await client.request("POST", "/api/v1/attestations", token: ci, json: #"{"payloadType":"x"}"#).status >= 400)
            for _ in 0..<3 { _ = try await client.request("GET", "/api/v1/clearance/\(Self.digest)?env=staging", token: ci) }
            _ = try await client.request(
                "POST", "/api/v1/clearance:batch", token: ci, json: #"{"environment":"staging","digests":["\#(Self.digest)"]}"#)

            // A deployment of a digest that is not cleared is drift; a break-glass is active until it expires.
            let report = try await client.request(
                "POST", "/api/v1/deployments", token: ci, json: #"{"digest":"\#(Self.digest)","environment":"production","target":"eu/app"}"#)
            #expect(report.status == 201)
            _ = try await live.server.accounts.createUser(name: "root", role: .admin, password: "a long passphrase for root", actor: "test")
            let root = try await live.token([.admin], user: "root", name: "root")
            let glass = try await client.request(
                "POST", "/api/v1/images/\(Self.digest)/break-glass", token: root,
                json: #"{"environment":"staging","justification":"hotfix for the outage, incident 7"}"#)
            #expect(glass.status == 201)

            let audited = try await live.auditActions().count
            let metrics = try await Self.scrape(live) { metrics in
                metrics["shipgate_audit_entries"] == Double(audited)
                    && metrics["shipgate_break_glass_active{environment=\"staging\",confirmed=\"false\"}"] == 1
                    && metrics["shipgate_drift_targets{environment=\"production\"}"] == 1
            }
            #expect(metrics["shipgate_audit_entries"] == Double(audited))
            #expect(metrics["shipgate_break_glass_active{environment=\"staging\",confirmed=\"false\"}"] == 1)
            #expect(metrics["shipgate_break_glass_active{environment=\"production\",confirmed=\"false\"}"] == 0)
            #expect(metrics["shipgate_drift_targets{environment=\"production\"}"] == 1)
            #expect(metrics["shipgate_drift_targets{environment=\"staging\"}"] == 0)
            #expect(metrics["shipgate_ingest_requests_total{kind=\"scan\",outcome=\"accepted\"}"] == 1)
            #expect(metrics["shipgate_ingest_requests_total{kind=\"scan\",outcome=\"rejected\"}"] == 1)
            #expect(metrics["shipgate_ingest_requests_total{kind=\"sbom\",outcome=\"unauthorized\"}"] == 1)
            #expect(metrics["shipgate_ingest_requests_total{kind=\"attestation\",outcome=\"rejected\"}"] == 1)
            #expect(metrics["shipgate_clearance_duration_seconds_count{route=\"/api/v1/clearance/{ref}\"}"] == 3)
            #expect(metrics["shipgate_clearance_duration_seconds_bucket{route=\"/api/v1/clearance/{ref}\",le=\"+Inf\"}"] == 3)
            #expect(metrics["shipgate_clearance_duration_seconds_count{route=\"/api/v1/clearance:batch\"}"] == 1)
            #expect(metrics["shipgate_decisions_total{environment=\"staging\",outcome=\"not_cleared\"}"] == 3)
        }
    }

    @Test func failedWebhookDeliveriesAreCounted() async throws {
        let receiver = WebhookReceiver(script: [500, 500, 500])
        let port = try receiver.start()
        try await withLiveServer({ options in
            options.webhooks.pollInterval = .milliseconds(10)
            options.webhooks.initialBackoff = .milliseconds(10)
            options.webhooks.maxAttempts = 3
            options.decisionWatch.pollInterval = .milliseconds(50)
        }) { live in
            let admin = try await live.token([.admin])
            let hook = try await live.client().request(
                "POST", "/api/v1/webhooks", token: admin,
                json: try jsonBody(["url": "http://127.0.0.1:\(port)/", "events": ["drift.detected"], "secret": "sixteen bytes or more"]))
            #expect(hook.status == 201)
            let report = try await live.client().request(
                "POST", "/api/v1/deployments", token: admin, json: #"{"digest":"\#(Self.digest)","environment":"staging","target":"t"}"#)
            #expect(report.status == 201)
            let metrics = try await Self.scrape(live) { $0["shipgate_webhook_deliveries_abandoned_total{event=\"drift.detected\"}"] == 1 }
            #expect(metrics["shipgate_webhook_delivery_failures_total{event=\"drift.detected\"}"] == 3)
            #expect(metrics["shipgate_webhook_deliveries_abandoned_total{event=\"drift.detected\"}"] == 1)
            #expect(metrics["shipgate_webhook_delivery_failures_total{event=\"breakglass.created\"}"] == 0)
            #expect(receiver.received.count == 3)
            let pending = try await Self.scrape(live) { $0["shipgate_webhook_deliveries_pending"] == 0 }
            #expect(pending["shipgate_webhook_deliveries_pending"] == 0)
        }
        await receiver.stop()
    }
}
