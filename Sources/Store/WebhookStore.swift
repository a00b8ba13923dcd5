import SQLite

/// Outbound webhooks and their delivery outbox (rows written in the transaction of the change they announce).
public enum WebhookStore {
    /// A configured receiver. `secret` is the HMAC key; it stays inside the server.
    public struct Webhook: Sendable, Equatable {
        public let id: String
        public let url: String
        public let events: [String]
        public let secret: String
        public let enabled: Bool
        public let createdBy: String
        public let createdAt: String
        public let disabledAt: String?

        /// A new, enabled webhook.
        public init(id: String, url: String, events: [String], secret: String, createdBy: String, createdAt: String) {
            self.init(id: id, url: url, events: events, secret: secret, enabled: true, createdBy: createdBy, createdAt: createdAt, disabledAt: nil)
        }

        init(id: String, url: String, events: [String], secret: String, enabled: Bool, createdBy: String, createdAt: String, disabledAt: String?) {
            self.id = id
            self.url = url
            self.events = events
            self.secret = secret
            self.enabled = enabled
            self.createdBy = createdBy
            self.createdAt = createdAt
            self.disabledAt = disabledAt
        }
    }

    /// One event for one webhook, as the delivery log shows it.
    public struct Delivery: Sendable, Equatable {
        public let id: String
        public let webhookID: String
        public let event: String
        /// `pending`, `delivered`, `failed` (gave up) or `cancelled` (the webhook was disabled first).
        public let status: String
        public let attempts: Int
        public let lastStatus: Int?
        public let lastError: String?
        public let createdAt: String
        public let lastAttemptAt: String?
        public let deliveredAt: String?
    }

    /// A delivery that is due, with what sending it needs.
    public struct Due: Sendable, Equatable {
        public let id: String
        public let event: String
        public let payload: String
        public let attempts: Int
        public let url: String
        public let secret: String
        public let enabled: Bool
    }

    private static let webhookColumns = "id, url, events, secret, enabled, created_by, created_at, disabled_at"

    /// Stores a new webhook.
    public static func insert(_ webhook: Webhook, in db: SQLiteConnection) throws {
        try db.execute(
            "INSERT INTO webhooks (id, url, events, secret, enabled, created_by, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
            [webhook.id, webhook.url, try JSONColumn.encode(webhook.events), webhook.secret, webhook.createdBy, webhook.createdAt])
    }

    /// Every webhook, oldest first.
    public static func all(in db: SQLiteConnection) throws -> [Webhook] {
        try db.query("SELECT \(webhookColumns) FROM webhooks ORDER BY created_at, id").map(webhook)
    }

    /// One webhook, or nil.
    public static func webhook(id: String, in db: SQLiteConnection) throws -> Webhook? {
        try db.queryOne("SELECT \(webhookColumns) FROM webhooks WHERE id = ?", [id]).map(webhook)
    }

    /// The enabled webhooks subscribed to `event`.
    public static func subscribers(of event: String, in db: SQLiteConnection) throws -> [Webhook] {
        try db.query("SELECT \(webhookColumns) FROM webhooks WHERE enabled = 1 ORDER BY id").map(webhook).filter { $0.events.contains(event) }
    }

    /// Disables a webhook and cancels its pending deliveries; false if it was disabled already.
    public static func disable(id: String, at: String, in db: SQLiteConnection) throws -> Bool {
        try db.execute("UPDATE webhooks SET enabled = 0, disabled_at = ? WHERE id = ? AND enabled = 1", [at, id])
        guard db.changes == 1 else { return false }
        try db.execute("UPDATE webhook_deliveries SET status = 'cancelled' WHERE webhook_id = ? AND status = 'pending'", [id])
        return true
    }

    /// Queues one delivery, due at once.
    public static func enqueue(
        id: String, webhookID: String, event: String, payload: String, createdAt: String, dueMillis: Int64, in db: SQLiteConnection
    ) throws {
        try db.execute(
            """
            INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts, next_attempt_ms, created_at)
            VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
            """, [id, webhookID, event, payload, dueMillis, createdAt])
    }

    /// The delivery log of one webhook, newest first.
    public static func deliveries(webhookID: String, limit: Int, in db: SQLiteConnection) throws -> [Delivery] {
        try db.query(
            """
            SELECT id, webhook_id, event, status, attempts, last_status, last_error, created_at, last_attempt_at, delivered_at
            FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?
            """, [webhookID, limit]
        ).map { row in
            Delivery(
                id: row.string(0) ?? "", webhookID: row.string(1) ?? "", event: row.string(2) ?? "", status: row.string(3) ?? "",
                attempts: row.int(4) ?? 0, lastStatus: row.int(5), lastError: row.string(6), createdAt: row.string(7) ?? "",
                lastAttemptAt: row.string(8), deliveredAt: row.string(9))
        }
    }

    /// Pending deliveries due at `nowMillis`, oldest first.
    public static func due(nowMillis: Int64, limit: Int, in db: SQLiteConnection) throws -> [Due] {
        try db.query(
            """
            SELECT d.id, d.event, d.payload, d.attempts, w.url, w.secret, w.enabled
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status = 'pending' AND d.next_attempt_ms <= ? ORDER BY d.next_attempt_ms, d.rowid LIMIT ?
            """, [nowMillis, limit]
        ).map { row in
            Due(
                id: row.string(0) ?? "", event: row.string(1) ?? "", payload: row.string(2) ?? "", attempts: row.int(3) ?? 0,
                url: row.string(4) ?? "", secret: row.string(5) ?? "", enabled: row.bool(6) ?? false)
        }
    }

    /// Records one attempt. `nextAttemptMillis` nil: no further try (delivered, or given up when `delivered` is false).
    public static func recordAttempt(
        id: String, delivered: Bool, status: Int?, error: String?, at: String, nextAttemptMillis: Int64?, in db: SQLiteConnection
    ) throws {
        let state = delivered ? "delivered" : (nextAttemptMillis == nil ? "failed" : "pending")
        try db.execute(
            """
            UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_error = ?, last_attempt_at = ?,
                next_attempt_ms = COALESCE(?, next_attempt_ms), delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END
            WHERE id = ? AND status = 'pending'
            """, [state, status, error, at, nextAttemptMillis, delivered, at, id])
    }

    /// Marks a pending delivery cancelled (its webhook was disabled).
    public static func cancel(id: String, in db: SQLiteConnection) throws {
        try db.execute("UPDATE webhook_deliveries SET status = 'cancelled' WHERE id = ? AND status = 'pending'", [id])
    }

    /// Deletes up to `limit` finished deliveries (delivered, failed, cancelled) of one webhook that were created before
    /// `before` or fall beyond its newest `keep` finished ones; returns how many went. Pending deliveries are never touched.
    public static func pruneFinished(webhookID: String, before: String, keep: Int, limit: Int, in db: SQLiteConnection) throws -> Int {
        // Both selections walk the (webhook_id, created_at) index.
        try db.execute(
            """
            DELETE FROM webhook_deliveries WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND status <> 'pending' AND created_at < ? LIMIT ?)
            """, [webhookID, before, limit])
        var removed = db.changes
        if removed < limit {
            try db.execute(
                """
                DELETE FROM webhook_deliveries WHERE id IN (
                    SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND status <> 'pending'
                    ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?)
                """, [webhookID, limit - removed, keep])
            removed += db.changes
        }
        return removed
    }

    /// The ids of every webhook, enabled or not (pruning walks them one by one).
    public static func ids(in db: SQLiteConnection) throws -> [String] {
        try db.query("SELECT id FROM webhooks ORDER BY id").compactMap { $0.string(0) }
    }

    private static func webhook(_ row: Row) throws -> Webhook {
        Webhook(
            id: row.string(0) ?? "", url: row.string(1) ?? "", events: try JSONColumn.decode([String].self, from: row.string(2), column: "events"),
            secret: row.string(3) ?? "", enabled: row.bool(4) ?? false, createdBy: row.string(5) ?? "", createdAt: row.string(6) ?? "",
            disabledAt: row.string(7))
    }
}
