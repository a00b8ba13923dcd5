-- The dashboard: browser sessions, login throttling, and indexes for its pages.

-- One row per signed-in browser. The cookie holds a 256-bit random id; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    -- The synchronizer token every dashboard form carries (not a credential on its own).
    csrf_token TEXT NOT NULL,
    -- The user's password_changed_at when the session began: a later password change ends the session.
    password_changed_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- The absolute end (created_at + 12 h); the idle end is last_seen_at + 1 h.
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins within the throttling window; never the attempted password.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    user_name TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX login_failures_user ON login_failures (user_name, at);
CREATE INDEX login_failures_client ON login_failures (client, at);

-- Page queries: the overview queue (oldest first), an image's deployments and audit trail, audit filters,
-- findings of one scan by severity, active break-glass and expiring waivers.
CREATE INDEX images_first_seen ON images (first_seen_at, digest);
CREATE INDEX deployments_digest ON deployments (digest, reported_at);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX break_glass_expiry ON break_glass (expires_at);
CREATE INDEX waivers_expiry ON waivers (expires_at);
CREATE INDEX approvals_environment ON approvals (environment, at);
