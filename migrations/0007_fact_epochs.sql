-- Change counters for the facts a decision or an authentication reads, kept by triggers in the same
-- transaction as the change itself. A cached decision or token is reused only while the counters it was
-- read with are unchanged, so a write by any process on this file (the server, the CLI, a restore, a
-- hand edit) invalidates it at its commit.

-- One row: facts that can change any decision (keys, policies, environments, repository-scoped waivers,
-- receipt keys).
CREATE TABLE fact_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);

INSERT INTO fact_epoch (id, n) VALUES (1, 0);

-- One row: users and tokens, which authentication reads and no decision does.
CREATE TABLE auth_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);

INSERT INTO auth_epoch (id, n) VALUES (1, 0);

-- Per digest: facts about one image (evidence, names, approvals, digest waivers, break-glass).
CREATE TABLE digest_epoch (
    digest TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER trusted_keys_epoch_insert AFTER INSERT ON trusted_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER trusted_keys_epoch_update AFTER UPDATE ON trusted_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER trusted_keys_epoch_delete AFTER DELETE ON trusted_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_epoch_insert AFTER INSERT ON policies BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_epoch_update AFTER UPDATE ON policies BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_epoch_delete AFTER DELETE ON policies BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER environments_epoch_insert AFTER INSERT ON environments BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER environments_epoch_update AFTER UPDATE ON environments BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER environments_epoch_delete AFTER DELETE ON environments BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_epoch_insert AFTER INSERT ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_epoch_update AFTER UPDATE ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_epoch_delete AFTER DELETE ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_epoch_insert AFTER INSERT ON api_tokens BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_epoch_update AFTER UPDATE ON api_tokens BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_epoch_delete AFTER DELETE ON api_tokens BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER receipt_keys_epoch_insert AFTER INSERT ON receipt_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER receipt_keys_epoch_update AFTER UPDATE ON receipt_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER receipt_keys_epoch_delete AFTER DELETE ON receipt_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;

-- Waivers: a digest-scoped one concerns its digest; a repository-scoped one may concern any image.
CREATE TRIGGER waivers_epoch_insert AFTER INSERT ON waivers BEGIN
    UPDATE fact_epoch SET n = n + 1 WHERE id = 1 AND NEW.digest IS NULL;
    INSERT INTO digest_epoch (digest, n) SELECT NEW.digest, 1 WHERE NEW.digest IS NOT NULL ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER waivers_epoch_update AFTER UPDATE ON waivers BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER waivers_epoch_delete AFTER DELETE ON waivers BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;

-- Per-digest facts. Findings, secrets and attestation keys are written with their scan or attestation,
-- whose own rows bump the digest; updates and deletes of any of them bump everything.
CREATE TRIGGER scans_epoch_insert AFTER INSERT ON scans BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER sboms_epoch_insert AFTER INSERT ON sboms BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER image_configs_epoch_insert AFTER INSERT ON image_configs BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER image_names_epoch_insert AFTER INSERT ON image_names BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER attestation_subjects_epoch_insert AFTER INSERT ON attestation_subjects BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER attestation_keys_epoch_insert AFTER INSERT ON attestation_keys BEGIN
    INSERT INTO digest_epoch (digest, n) SELECT digest, 1 FROM attestation_subjects WHERE attestation_id = NEW.attestation_id
        ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER approvals_epoch_insert AFTER INSERT ON approvals BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER break_glass_epoch_insert AFTER INSERT ON break_glass BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER break_glass_epoch_update AFTER UPDATE ON break_glass BEGIN
    INSERT INTO digest_epoch (digest, n) VALUES (NEW.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
    INSERT INTO digest_epoch (digest, n) VALUES (OLD.digest, 1) ON CONFLICT (digest) DO UPDATE SET n = n + 1;
END;

-- Evidence and decisions are append-only in the application (an image row's last_evidence_at aside, which no
-- decision reads); any other change to them invalidates everything.
CREATE TRIGGER images_epoch_delete AFTER DELETE ON images BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER image_names_epoch_update AFTER UPDATE ON image_names BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER image_names_epoch_delete AFTER DELETE ON image_names BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER image_aliases_epoch_update AFTER UPDATE ON image_aliases BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER image_aliases_epoch_delete AFTER DELETE ON image_aliases BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER attestations_epoch_update AFTER UPDATE ON attestations BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER attestations_epoch_delete AFTER DELETE ON attestations BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER attestation_subjects_epoch_update AFTER UPDATE ON attestation_subjects BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER attestation_subjects_epoch_delete AFTER DELETE ON attestation_subjects BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER attestation_keys_epoch_update AFTER UPDATE ON attestation_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER attestation_keys_epoch_delete AFTER DELETE ON attestation_keys BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER scans_epoch_update AFTER UPDATE ON scans BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER scans_epoch_delete AFTER DELETE ON scans BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER scan_findings_epoch_update AFTER UPDATE ON scan_findings BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER scan_findings_epoch_delete AFTER DELETE ON scan_findings BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER scan_secrets_epoch_update AFTER UPDATE ON scan_secrets BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER scan_secrets_epoch_delete AFTER DELETE ON scan_secrets BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER sboms_epoch_update AFTER UPDATE ON sboms BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER sboms_epoch_delete AFTER DELETE ON sboms BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER image_configs_epoch_update AFTER UPDATE ON image_configs BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER image_configs_epoch_delete AFTER DELETE ON image_configs BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER approvals_epoch_update AFTER UPDATE ON approvals BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER approvals_epoch_delete AFTER DELETE ON approvals BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER break_glass_epoch_delete AFTER DELETE ON break_glass BEGIN UPDATE fact_epoch SET n = n + 1 WHERE id = 1; END;
