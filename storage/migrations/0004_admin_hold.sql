-- 0004_admin_hold: a source paused by an admin (/pause NAME) stays paused across restarts until
-- /resume NAME. Distinct from `paused`, which the watchers set after repeated failures and clear
-- on the next successful probe.
ALTER TABLE sources ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
