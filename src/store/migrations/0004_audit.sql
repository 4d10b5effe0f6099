-- The audit log: one row per security event (logins, logouts, refresh-token reuse, password and
-- e-mail changes, 2FA changes, deletions, service tokens, limits hit). Never a password or a
-- token. Rows outlive the account they name (a deletion is itself an event) until pruned.
CREATE TABLE security_events (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    username TEXT NOT NULL DEFAULT '',
    session_id TEXT,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX security_events_user ON security_events (user_id, at);
CREATE INDEX security_events_session ON security_events (session_id);
CREATE INDEX security_events_at ON security_events (at);
