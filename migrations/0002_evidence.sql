-- Evidence: trusted keys, images, raw evidence blobs, attestations, scans, SBOMs and image configs.

CREATE TABLE trusted_keys (
    -- Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    algorithm TEXT NOT NULL,
    bits INTEGER NOT NULL,
    public_key_pem TEXT NOT NULL,
    -- JSON arrays of strings; empty array = no restriction.
    predicate_types TEXT NOT NULL,
    builder_ids TEXT NOT NULL,
    subject_patterns TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE images (
    digest TEXT PRIMARY KEY,
    first_seen_at TEXT NOT NULL,
    last_evidence_at TEXT NOT NULL
);

CREATE INDEX images_last_evidence ON images (last_evidence_at);

-- Repository names seen for a digest (metadata only; never used to decide).
CREATE TABLE image_names (
    digest TEXT NOT NULL REFERENCES images (digest),
    name TEXT NOT NULL,
    PRIMARY KEY (digest, name)
);

-- Other identifiers of the same image, e.g. the config digest (Trivy ImageID).
CREATE TABLE image_aliases (
    digest TEXT NOT NULL REFERENCES images (digest),
    alias TEXT NOT NULL,
    PRIMARY KEY (digest, alias)
);

-- Raw evidence, content-addressed by the SHA-256 of the exact bytes received. `content` is NULL when the
-- document carries secret material (secret findings, image env values) that must not be stored.
CREATE TABLE evidence_blobs (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB,
    withheld_reason TEXT,
    received_at TEXT NOT NULL
);

CREATE TABLE attestations (
    id TEXT PRIMARY KEY,
    blob_sha256 TEXT NOT NULL REFERENCES evidence_blobs (sha256),
    payload_type TEXT NOT NULL,
    statement_type TEXT NOT NULL,
    predicate_type TEXT NOT NULL,
    -- provenance | vulnerabilityScan | sbom | opaque
    predicate_kind TEXT NOT NULL,
    -- JSON summary of a provenance predicate; NULL otherwise.
    provenance TEXT,
    posted_by TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE attestation_subjects (
    attestation_id TEXT NOT NULL REFERENCES attestations (id),
    digest TEXT NOT NULL REFERENCES images (digest),
    name TEXT NOT NULL,
    PRIMARY KEY (attestation_id, digest, name)
);

CREATE INDEX attestation_subjects_digest ON attestation_subjects (digest);

CREATE TABLE attestation_keys (
    attestation_id TEXT NOT NULL REFERENCES attestations (id),
    key_id TEXT NOT NULL REFERENCES trusted_keys (id),
    PRIMARY KEY (attestation_id, key_id)
);

CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL REFERENCES images (digest),
    blob_sha256 TEXT NOT NULL REFERENCES evidence_blobs (sha256),
    format TEXT NOT NULL,
    scanner TEXT NOT NULL,
    scanner_version TEXT,
    scanned_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- Per-severity counts kept at ingest, so a decision never rescans findings.
    critical INTEGER NOT NULL,
    high INTEGER NOT NULL,
    medium INTEGER NOT NULL,
    low INTEGER NOT NULL,
    unknown INTEGER NOT NULL,
    fixable_critical INTEGER NOT NULL,
    fixable_high INTEGER NOT NULL,
    fixable_medium INTEGER NOT NULL,
    fixable_low INTEGER NOT NULL,
    fixable_unknown INTEGER NOT NULL,
    secrets INTEGER NOT NULL,
    -- The attestation that carried this scan (a signed scan), if any.
    attestation_id TEXT REFERENCES attestations (id),
    posted_by TEXT NOT NULL
);

CREATE INDEX scans_digest ON scans (digest, scanned_at);

CREATE TABLE scan_findings (
    scan_id TEXT NOT NULL REFERENCES scans (id),
    vulnerability_id TEXT NOT NULL,
    package TEXT NOT NULL,
    installed_version TEXT NOT NULL,
    fixed_version TEXT,
    severity TEXT NOT NULL,
    status TEXT,
    title TEXT,
    url TEXT,
    PRIMARY KEY (scan_id, vulnerability_id, package, installed_version)
);

CREATE TABLE scan_secrets (
    scan_id TEXT NOT NULL REFERENCES scans (id),
    ordinal INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    location TEXT NOT NULL,
    PRIMARY KEY (scan_id, ordinal)
);

CREATE TABLE sboms (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL REFERENCES images (digest),
    blob_sha256 TEXT NOT NULL REFERENCES evidence_blobs (sha256),
    format TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    component_count INTEGER NOT NULL,
    -- JSON array of {name, version, purl}.
    top_level TEXT NOT NULL,
    attestation_id TEXT REFERENCES attestations (id),
    posted_by TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE INDEX sboms_digest ON sboms (digest);

CREATE TABLE image_configs (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL REFERENCES images (digest),
    -- config | trivy | grype
    source TEXT NOT NULL,
    -- JSON of the facts (user, ports, env names, …); never an env value.
    facts TEXT NOT NULL,
    posted_by TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE INDEX image_configs_digest ON image_configs (digest, received_at);
