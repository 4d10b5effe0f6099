-- E-mail: a durable outbox, one-time links (password reset, e-mail verification) and the
-- events that per-hour limits count.

-- Each message is written in the transaction of the change that causes it, rendered, and
-- delivered later by the outbox sender; a crash or an SMTP outage loses nothing.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    mime TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    last_error TEXT,
    sent_at BIGINT,
    locked_until BIGINT                      -- claimed by a sender until then
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Links mailed to a user, stored only as hashes. Each works once and expires.
CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,                   -- password_reset | email_verification
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,                     -- the address the link was sent to
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);

-- One row per counted attempt; `bucket` is a hash of what is limited (route + account/address).
CREATE TABLE rate_events (
    bucket TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events (bucket, at);
