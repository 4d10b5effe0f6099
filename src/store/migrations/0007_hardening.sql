-- Hardening (issue "hardening"): a failure repeated by one address is one audit event with a
-- count, not one row per attempt.
ALTER TABLE security_events ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
