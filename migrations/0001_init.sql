-- Users, API tokens and the hash-chained audit log: the core every later table builds on.
-- Times are UTC ISO-8601 text with milliseconds (fixed width, so they sort as text).

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'approver', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Lowercase hex SHA-256 of the whole secret `sgt_…`; the secret itself is never stored.
    token_hash TEXT NOT NULL UNIQUE,
    -- Space-separated scope names.
    scopes TEXT NOT NULL,
    user_name TEXT REFERENCES users (name) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);

CREATE INDEX api_tokens_user ON api_tokens (user_name);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- JSON object with the non-secret details of the change or refusal.
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);

-- The log is append-only: history cannot be rewritten through SQL.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
