-- What the decision watcher has announced: the last decision per (digest, environment), its place in the
-- audit log, and the waivers already announced as expiring. Only the watcher writes these tables; deleting
-- the cursor row makes it take a silent baseline again (no webhook storm).

CREATE TABLE decision_watch (
    digest TEXT NOT NULL,
    environment TEXT NOT NULL,
    cleared INTEGER NOT NULL CHECK (cleared IN (0, 1)),
    policy_version INTEGER NOT NULL,
    -- The decision's validUntil: when time alone (an approval, waiver, scan or break-glass expiring) may
    -- change it. NULL: only a new fact can.
    valid_until TEXT,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (digest, environment)
);

-- The next time-driven re-evaluation is min(valid_until).
CREATE INDEX decision_watch_valid_until ON decision_watch (valid_until);

-- One row: the last audit entry the watcher has looked at. Every change that can move a decision is
-- audited in its own transaction, so the entries after this id name the digests to look at again.
CREATE TABLE decision_watch_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    audit_id INTEGER NOT NULL
);

-- A database without images has nothing to stay silent about: the watcher starts at the beginning of the log and
-- announces from the first change. One with images (an upgrade) gets no row: the watcher's first pass records
-- their current decisions silently instead of announcing every cleared image at once.
INSERT INTO decision_watch_cursor (id, audit_id) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM images);

-- waiver.expiring is sent once per waiver.
CREATE TABLE waiver_expiry_notices (
    waiver_id TEXT PRIMARY KEY REFERENCES waivers (id),
    notified_at TEXT NOT NULL
);

-- Waivers entering the expiry window, and active break-glass for /metrics, found by range.
CREATE INDEX waivers_expires ON waivers (expires_at);
CREATE INDEX break_glass_expires ON break_glass (expires_at);
