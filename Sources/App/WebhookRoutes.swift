import Crypto
import Domain
import HTTPCore
import Store

/// `/api/v1/webhooks` (admin): outbound event notifications and their delivery log.
enum WebhookRoutes {
    struct NewWebhook: Decodable {
        let url: String
        let events: [String]
        let secret: String
    }

    /// A webhook as the API shows it: never its secret.
    struct View: Encodable {
        let id: String
        let url: String
        let events: [String]
        let state: String
        let createdBy: String
        let createdAt: String
        let disabledAt: String?

        init(_ webhook: WebhookStore.Webhook) {
            id = webhook.id
            url = webhook.url
            events = webhook.events
            state = webhook.enabled ? "enabled" : "disabled"
            createdBy = webhook.createdBy
            createdAt = webhook.createdAt
            disabledAt = webhook.disabledAt
        }
    }

    struct DeliveryView: Encodable {
        let id: String
        let event: String
        let status: String
        let attempts: Int
        let lastStatus: Int?
        let lastError: String?
        let createdAt: String
        let lastAttemptAt: String?
        let deliveredAt: String?

        init(_ delivery: WebhookStore.Delivery) {
            id = delivery.id
            event = delivery.event
            status = delivery.status
            attempts = delivery.attempts
            lastStatus = delivery.lastStatus
            lastError = delivery.lastError
            createdAt = delivery.createdAt
            lastAttemptAt = delivery.lastAttemptAt
            deliveredAt = delivery.deliveredAt
        }
    }

    static let minimumSecretBytes = 16

    static func routes(_ services: Services) -> [AppRoute] {
        let database = services.database
        let clock = services.clock
        return [
            AppRoute(
                method: .POST, pattern: "/api/v1/webhooks", access: .scope(.admin),
                summary: "Register a webhook: url (https://), events, secret (HMAC-SHA256 key for X-Shipgate-Signature, never returned)",
                successStatus: 201, maxBodyBytes: 16 * 1024
            ) { request in
                let body = try JSONBody.decode(NewWebhook.self, from: request.http)
                _ = try WebhookURL(body.url)
                let known = Set(WebhookEvent.allCases.map(\.rawValue))
                guard !body.events.isEmpty, body.events.allSatisfy(known.contains) else {
                    throw APIError.invalid("events must list one or more of \(WebhookEvent.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard body.secret.utf8.count >= minimumSecretBytes, body.secret.utf8.count <= 1024 else {
                    throw APIError.invalid("secret must be \(minimumSecretBytes) to 1024 bytes")
                }
                var unique: [String] = []
                for event in body.events where !unique.contains(event) { unique.append(event) }
                let events = unique
                let now = Timestamp.format(clock())
                let webhook = WebhookStore.Webhook(
                    id: RandomID.make("whk"), url: body.url, events: events, secret: body.secret, createdBy: request.actor.name, createdAt: now)
                try await database.write { db in
                    try WebhookStore.insert(webhook, in: db)
                    try AuditLog.append(
                        actor: request.actor.name, action: "webhook.create", subject: "webhook:" + webhook.id,
                        details: ["url": webhook.url, "events": events.joined(separator: ",")], at: clock(), in: db)
                }
                struct Created: Encodable { let id: String; let url: String; let events: [String] }
                return JSONBody.response(.created, Created(id: webhook.id, url: webhook.url, events: events))
            },
            AppRoute(method: .GET, pattern: "/api/v1/webhooks", access: .scope(.admin), summary: "List webhooks (without their secrets)") { _ in
                struct List: Encodable { let webhooks: [View] }
                let webhooks = try await database.read { db in try WebhookStore.all(in: db) }
                return JSONBody.response(.ok, List(webhooks: webhooks.map(View.init)))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/webhooks/{id}/disable", access: .scope(.admin),
                summary: "Disable a webhook: it gets no further deliveries", otherResponses: [404: ("No such webhook", nil)]
            ) { request in
                let id = request.parameter("id")
                let webhook = try await database.write { db -> WebhookStore.Webhook in
                    guard try WebhookStore.webhook(id: id, in: db) != nil else { throw APIError.notFound("no webhook \(id)") }
                    if try WebhookStore.disable(id: id, at: Timestamp.format(clock()), in: db) {
                        try AuditLog.append(actor: request.actor.name, action: "webhook.disable", subject: "webhook:" + id, at: clock(), in: db)
                    }
                    guard let webhook = try WebhookStore.webhook(id: id, in: db) else { throw APIError.notFound("no webhook \(id)") }
                    return webhook
                }
                return JSONBody.response(.ok, View(webhook))
            },
            AppRoute(
                method: .GET, pattern: "/api/v1/webhooks/{id}/deliveries", access: .scope(.admin),
                summary: "The delivery log of a webhook, newest first (?limit=, default 100)",
                query: [QueryParameter(name: "limit", required: false, description: "at most this many (1…1000)", type: "integer")],
                otherResponses: [404: ("No such webhook", nil)]
            ) { request in
                let id = request.parameter("id")
                let limit = min(max(Int(request.http.queryValue("limit") ?? "") ?? 100, 1), 1000)
                let deliveries = try await database.read { db -> [WebhookStore.Delivery] in
                    guard try WebhookStore.webhook(id: id, in: db) != nil else { throw APIError.notFound("no webhook \(id)") }
                    return try WebhookStore.deliveries(webhookID: id, limit: limit, in: db)
                }
                struct List: Encodable { let deliveries: [DeliveryView] }
                return JSONBody.response(.ok, List(deliveries: deliveries.map(DeliveryView.init)))
            },
        ]
    }
}
