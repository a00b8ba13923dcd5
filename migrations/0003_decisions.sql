-- Decisions: environments with versioned policies, approvals, waivers, break-glass, deployments, receipt keys.

CREATE TABLE environments (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- Every change is a new version; old versions are kept.
CREATE TABLE policies (
    environment TEXT NOT NULL REFERENCES environments (name),
    version INTEGER NOT NULL,
    -- Canonical JSON of the validated policy.
    document TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (environment, version)
);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL REFERENCES images (digest),
    environment TEXT NOT NULL REFERENCES environments (name),
    verdict TEXT NOT NULL CHECK (verdict IN ('approve', 'reject')),
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX approvals_digest ON approvals (digest, environment, at);

CREATE TABLE waivers (
    id TEXT PRIMARY KEY,
    vulnerability TEXT NOT NULL,
    -- Exactly one scope: a digest or a repository pattern.
    digest TEXT,
    repository_pattern TEXT,
    environment TEXT REFERENCES environments (name),
    justification TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    CHECK ((digest IS NULL) <> (repository_pattern IS NULL))
);

CREATE INDEX waivers_digest ON waivers (digest, expires_at);
CREATE INDEX waivers_pattern ON waivers (repository_pattern, expires_at);

CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    environment TEXT NOT NULL REFERENCES environments (name),
    justification TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT
);

CREATE INDEX break_glass_digest ON break_glass (digest, environment, created_at);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    environment TEXT NOT NULL,
    target TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL
);

CREATE INDEX deployments_target ON deployments (environment, target, reported_at);

-- Ed25519 keys that sign clearance receipts; retired keys stay published so old receipts verify.
CREATE TABLE receipt_keys (
    kid TEXT PRIMARY KEY,
    private_key_pem TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);

CREATE INDEX scan_findings_vulnerability ON scan_findings (vulnerability_id);
