-- audit_log.hash was declared UNIQUE. Each hash covers its entry's id, the primary key, so no two entries can share
-- one, and nothing looks an entry up by its hash (`shipgate audit verify` recomputes the chain entry by entry). The
-- unique index only cost every audited change one more B-tree page written at a random place (signed-attestation
-- ingest: about 7% of the bytes written per envelope). SQLite drops a column constraint only by rebuilding the table;
-- ids, hashes and links are copied unchanged, so the chain and every checkpoint taken of it still verify.
CREATE TABLE audit_log_rebuilt (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- JSON object with the non-secret details of the change or refusal.
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_log_rebuilt (id, at, actor, action, subject, details, prev_hash, hash)
SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit_log ORDER BY id;

-- Dropping the table drops its triggers and indexes with it (and fires no DELETE trigger).
DROP TABLE audit_log;
ALTER TABLE audit_log_rebuilt RENAME TO audit_log;

-- The log is append-only: history cannot be rewritten through SQL.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
