-- Waivers look findings up by scan and vulnerability, which the primary key (scan_id, vulnerability_id, …)
-- already orders. This index served no query, yet every finding insert also had to place an entry at a
-- random spot of it, which made large scan reports slow to store.
DROP INDEX scan_findings_vulnerability;

-- 0006 indexed waivers and break-glass records by expiry a second time (0005 already had): one copy is enough.
DROP INDEX waivers_expires;
DROP INDEX break_glass_expires;
