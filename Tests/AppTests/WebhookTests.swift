import Crypto
import Domain
import Foundation
import HTTPCore
import HTTPServer
import Synchronization
import Testing
import TestSupport

/// A real local webhook receiver: records every request and answers from a script (then 200).
final class WebhookReceiver: HTTPResponder {
    struct Received: Sendable {
        let path: String
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    private let state: Mutex<(received: [Received], script: [Int])>
    private let server = Mutex<HTTPServer?>(nil)

    /// `script`: the statuses of the first answers, in order.
    init(script: [Int] = []) { state = Mutex(([], script)) }

    var received: [Received] { state.withLock { $0.received } }

    func maxBodyBytes(for head: HTTPRequestHead) -> Int { 1 << 20 }

    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let status = state.withLock { state in
            state.received.append(Received(path: request.head.target, headers: request.headers, body: request.body))
            return state.script.isEmpty ? 200 : state.script.removeFirst()
        }
        return HTTPResponse(status: HTTPStatus(code: status, reasonPhrase: status == 200 ? "OK" : "Error"))
    }

    /// Starts listening on an ephemeral loopback port and returns it.
    func start() throws -> Int {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(configuration: configuration, responder: self)
        try server.start()
        self.server.withLock { $0 = server }
        return server.port
    }

    func stop() async { await server.withLock { $0 }?.shutdown() }
}

@Suite struct WebhookTests {
    static let digest = "sha256:" + String(repeating: "7c", count: 32)
    static let secret = "a webhook secret of some length"

    /// A live server with fast retries, a started receiver, and an admin token.
    static func world(script: [Int] = [], _ body: (LiveServer, WebhookReceiver, Int, String) async throws -> Void) async throws {
        let receiver = WebhookReceiver(script: script)
        let port = try receiver.start()
        do {
            try await withLiveServer({
                $0.webhooks.pollInterval = .milliseconds(10)
                $0.webhooks.initialBackoff = .milliseconds(20)
                $0.webhooks.timeout = .seconds(2)
            }) { live in
                try await body(live, receiver, port, try await live.token([.admin]))
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    static func register(_ live: LiveServer, admin: String, url: String, events: [String], secret: String = secret) async throws -> TestResponse {
        let body = try JSONSerialization.data(withJSONObject: ["url": url, "events": events, "secret": secret])
        return try await live.client().request("POST", "/api/v1/webhooks", token: admin, json: String(decoding: body, as: UTF8.self))
    }

    static func breakGlass(_ live: LiveServer) async throws {
        _ = try await live.server.accounts.createUser(name: "root", role: .admin, password: "a long passphrase for root", actor: "test")
        let root = try await live.token([.admin], user: "root", name: "root")
        let glass = try await live.client().request(
            "POST", "/api/v1/images/\(digest)/break-glass", token: root,
            json: #"{"environment":"production","justification":"hotfix for the outage, incident 42"}"#)
        #expect(glass.status == 201, "\(glass.text)")
    }

    static func deliveries(_ live: LiveServer, admin: String, webhook: String) async throws -> [[String: Any]] {
        let response = try await live.client().request("GET", "/api/v1/webhooks/\(webhook)/deliveries", token: admin)
        #expect(response.status == 200)
        return try response.json()["deliveries"] as? [[String: Any]] ?? []
    }

    /// Polls an async condition until it holds or `timeout` passes.
    static func until(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    @Test func breakGlassIsDeliveredSignedWithTheSecret() async throws {
        try await Self.world { live, receiver, port, admin in
            let created = try await Self.register(
                live, admin: admin, url: "http://127.0.0.1:\(port)/hooks/shipgate?team=ops", events: ["breakglass.created"])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(try created.json()["id"] as? String)
            try await Self.breakGlass(live)

            #expect(await eventually { receiver.received.count == 1 })
            let request = try #require(receiver.received.first)
            #expect(request.path == "/hooks/shipgate?team=ops")
            #expect(request.headers["X-Shipgate-Event"] == "breakglass.created")
            #expect(request.headers["Content-Type"] == "application/json")
            let expected = "sha256=" + HMAC.sha256Hex(key: Array(Self.secret.utf8), message: request.body)
            #expect(request.headers["X-Shipgate-Signature"] == expected)
            #expect(request.headers["X-Shipgate-Signature"] != "sha256=" + HMAC.sha256Hex(key: Array("another secret value!".utf8), message: request.body))
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(payload["event"] as? String == "breakglass.created")
            #expect(payload["id"] as? String == request.headers["X-Shipgate-Delivery"])
            #expect(payload["at"] is String)
            #expect((payload["text"] as? String)?.contains("broke the glass") == true)
            let data = try #require(payload["data"] as? [String: Any])
            #expect(data["digest"] as? String == Self.digest)
            #expect(data["environment"] as? String == "production")
            #expect(data["createdBy"] as? String == "root")

            #expect(try await Self.until { try await Self.deliveries(live, admin: admin, webhook: id).first?["status"] as? String == "delivered" })
            let log = try await Self.deliveries(live, admin: admin, webhook: id)
            #expect(log.count == 1)
            #expect(log.first?["attempts"] as? Int == 1)
            #expect(log.first?["event"] as? String == "breakglass.created")
            #expect(log.first?["deliveredAt"] is String)
            #expect(try await live.auditActions().contains("webhook.create"))
        }
    }

    @Test func failedDeliveriesAreRetriedWithBackoffUntilTheyArrive() async throws {
        try await Self.world(script: [500, 500]) { live, receiver, port, admin in
            let created = try await Self.register(live, admin: admin, url: "http://localhost:\(port)/drift", events: ["drift.detected"])
            let id = try #require(try created.json()["id"] as? String)
            // A digest nothing is known about is not cleared: reporting it deployed is drift.
            let deployer = try await live.token([.deploymentsWrite], name: "deployer")
            let report = try await live.client().request(
                "POST", "/api/v1/deployments", token: deployer,
                json: #"{"digest":"\#(Self.digest)","environment":"production","target":"prod-eu/payments/api"}"#)
            #expect(report.status == 201, "\(report.text)")

            #expect(try await Self.until { try await Self.deliveries(live, admin: admin, webhook: id).first?["status"] as? String == "delivered" })
            let log = try await Self.deliveries(live, admin: admin, webhook: id)
            #expect(log.count == 1)
            #expect(log.first?["attempts"] as? Int == 3)
            #expect(log.first?["lastStatus"] as? Int == 200)
            let requests = receiver.received
            #expect(requests.count == 3)
            #expect(Set(requests.compactMap { $0.headers["X-Shipgate-Delivery"] }).count == 1)
            #expect(requests.allSatisfy { $0.headers["X-Shipgate-Event"] == "drift.detected" })
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(requests[0].body)) as? [String: Any])
            #expect((payload["data"] as? [String: Any])?["target"] as? String == "prod-eu/payments/api")
        }
    }

    @Test func deliveriesGiveUpAfterTheLastAttempt() async throws {
        try await Self.world(script: Array(repeating: 503, count: 10)) { live, receiver, port, admin in
            let created = try await Self.register(live, admin: admin, url: "http://127.0.0.1:\(port)/", events: ["breakglass.created"])
            let id = try #require(try created.json()["id"] as? String)
            try await Self.breakGlass(live)
            #expect(try await Self.until { try await Self.deliveries(live, admin: admin, webhook: id).first?["status"] as? String == "failed" })
            let log = try await Self.deliveries(live, admin: admin, webhook: id)
            #expect(log.first?["attempts"] as? Int == 5)
            #expect(log.first?["lastError"] as? String == "HTTP 503")
            #expect(receiver.received.count == 5)
        }
    }

    @Test func aDisabledWebhookGetsNothing() async throws {
        try await Self.world { live, receiver, port, admin in
            let on = try await Self.register(live, admin: admin, url: "http://127.0.0.1:\(port)/on", events: ["breakglass.created"])
            let off = try await Self.register(live, admin: admin, url: "http://127.0.0.1:\(port)/off", events: ["breakglass.created"])
            let onID = try #require(try on.json()["id"] as? String)
            let offID = try #require(try off.json()["id"] as? String)
            let disabled = try await live.client().request("POST", "/api/v1/webhooks/\(offID)/disable", token: admin)
            #expect(disabled.status == 200)
            #expect(try disabled.json()["state"] as? String == "disabled")
            #expect(try await live.client().request("POST", "/api/v1/webhooks/whk_nope/disable", token: admin).status == 404)
            try await Self.breakGlass(live)

            #expect(try await Self.until { try await Self.deliveries(live, admin: admin, webhook: onID).first?["status"] as? String == "delivered" })
            #expect(receiver.received.map(\.path) == ["/on"])
            #expect(try await Self.deliveries(live, admin: admin, webhook: offID).isEmpty)
            #expect(try await live.auditActions().contains("webhook.disable"))
        }
    }

    @Test func onlyAdminsManageWebhooksAndSecretsNeverComeBack() async throws {
        try await Self.world { live, _, port, admin in
            let reader = try await live.token([.clearanceRead, .evidenceWrite, .approvalsWrite, .deploymentsWrite], name: "reader")
            let url = "http://127.0.0.1:\(port)/x"
            #expect(try await Self.register(live, admin: reader, url: url, events: ["drift.detected"]).status == 403)
            #expect(try await live.client().request("GET", "/api/v1/webhooks", token: reader).status == 403)
            #expect(try await live.client().request("GET", "/api/v1/webhooks", token: nil).status == 401)

            for bad in [
                "http://example.com/hook", "ftp://127.0.0.1/x", "https://user:pw@example.com/", "https:///nohost", "not a url",
                "https://example.com/a#frag", "http://10.0.0.1/",
            ] {
                #expect(try await Self.register(live, admin: admin, url: bad, events: ["drift.detected"]).status == 422, "\(bad)")
            }
            #expect(try await Self.register(live, admin: admin, url: url, events: []).status == 422)
            #expect(try await Self.register(live, admin: admin, url: url, events: ["image.exploded"]).status == 422)
            #expect(try await Self.register(live, admin: admin, url: url, events: ["drift.detected"], secret: "too short").status == 422)
            #expect(try await live.client().request("POST", "/api/v1/webhooks", token: admin, json: #"{"url":"\#(url)"}"#).status == 422)

            let created = try await Self.register(live, admin: admin, url: "https://hooks.example.com/services/T0/B0", events: ["drift.detected", "image.cleared"])
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"] as? String)
            let responses = [
                created,
                try await live.client().request("GET", "/api/v1/webhooks", token: admin),
                try await live.client().request("GET", "/api/v1/webhooks/\(id)/deliveries", token: admin),
                try await live.client().request("POST", "/api/v1/webhooks/\(id)/disable", token: admin),
                try await live.client().request("GET", "/api/v1/audit", token: admin),
            ]
            for response in responses {
                #expect(response.status == 200 || response.status == 201)
                #expect(!response.text.contains(Self.secret))
                #expect(!response.text.contains("secret\""))
            }
            let list = try #require(try responses[1].json()["webhooks"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["events"] as? [String] == ["drift.detected", "image.cleared"])
            #expect(list.first?["state"] as? String == "enabled")
            #expect(try await live.client().request("GET", "/api/v1/webhooks/whk_nope/deliveries", token: admin).status == 404)
        }
    }

    @Test func theDeliveryLogKeepsABoundedHistoryAndNeverDropsPendingDeliveries() async throws {
        let receiver = WebhookReceiver()
        let port = try receiver.start()
        let clock = ManualClock(Date())
        do {
            try await withLiveServer({ options in
                options.clock = { clock.now }
                options.webhooks.pollInterval = .milliseconds(10)
                // A failed attempt waits 60 s for the next: the unreachable receiver's deliveries stay pending throughout.
                options.webhooks.initialBackoff = .seconds(60)
                options.webhooks.timeout = .seconds(2)
                options.webhooks.deliveryLogDays = 1
                options.webhooks.deliveryLogMaxPerWebhook = 2
                options.webhooks.pruneInterval = .milliseconds(50)
            }) { live in
                let admin = try await live.token([.admin])
                let good = try #require(try await Self.register(live, admin: admin, url: "http://127.0.0.1:\(port)/", events: ["drift.detected"]).json()["id"] as? String)
                // Port 1 on loopback: nothing listens, every attempt fails at connect.
                let down = try #require(try await Self.register(live, admin: admin, url: "http://127.0.0.1:1/", events: ["drift.detected"]).json()["id"] as? String)
                let deployer = try await live.token([.deploymentsWrite], name: "deployer")
                for target in 1...4 {
                    let report = try await live.client().request(
                        "POST", "/api/v1/deployments", token: deployer,
                        json: #"{"digest":"\#(Self.digest)","environment":"production","target":"eu/app-\#(target)"}"#)
                    #expect(report.status == 201)
                    clock.advance(by: 1)
                }
                #expect(await eventually(timeout: .seconds(5)) { receiver.received.count == 4 })
                // The receiver got all four; its log keeps the newest two.
                #expect(try await Self.until {
                    let log = try await Self.deliveries(live, admin: admin, webhook: good)
                    return log.count == 2 && log.allSatisfy { $0["status"] as? String == "delivered" }
                })
                let downLog = try await Self.deliveries(live, admin: admin, webhook: down)
                #expect(downLog.count == 4)
                #expect(downLog.allSatisfy { $0["status"] as? String == "pending" && $0["attempts"] as? Int == 1 })

                // Two days on, every finished delivery is older than a day; pending ones still wait for their retry.
                clock.advance(by: 2 * 86_400)
                #expect(try await Self.until { try await Self.deliveries(live, admin: admin, webhook: good).isEmpty })
                #expect(try await Self.deliveries(live, admin: admin, webhook: down).count == 4)
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }
}
