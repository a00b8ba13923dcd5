-- Outbound webhooks and their delivery outbox.

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- JSON array of event names.
    events TEXT NOT NULL,
    -- The HMAC key for X-Shipgate-Signature: kept to sign with, never returned by the API.
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

-- One row per (event, webhook), written in the transaction of the change that caused the event.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event TEXT NOT NULL,
    -- The exact JSON body that is signed and sent.
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    -- Wall-clock milliseconds since 1970 of the next try (the retry schedule runs on real time).
    next_attempt_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_attempt_at TEXT,
    delivered_at TEXT
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_ms);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);
