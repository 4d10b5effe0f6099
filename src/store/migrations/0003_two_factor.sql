-- Two-factor authentication: authenticator apps, recovery codes, login tickets, and the count of
-- consecutive wrong codes per account.

-- An authenticator app (TOTP). The secret is encrypted with a key kept outside the database. A
-- user has at most one confirmed app and at most one waiting for its first correct code; the
-- parameters are stored so that apps enrolled elsewhere (imported) keep working.
CREATE TABLE totp_devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    digits INTEGER NOT NULL DEFAULT 6,
    step INTEGER NOT NULL DEFAULT 30,
    t0 BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_used_step BIGINT                    -- a step already used is refused (no replay)
);
CREATE INDEX totp_devices_user ON totp_devices (user_id);

-- Single-use recovery codes, stored as password hashes.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The ticket between a login's password step and its second factor, stored only as a hash.
CREATE TABLE login_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    used_at BIGINT,
    email_code_hash TEXT,                    -- the code mailed for this ticket, hashed
    email_code_sent_at BIGINT,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_tickets_user ON login_tickets (user_id);
CREATE INDEX login_tickets_expiry ON login_tickets (expires_at);

ALTER TABLE users ADD COLUMN second_factor_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_second_factor_failure BIGINT;
