-- Accounts and login sessions. Written once for SQLite and PostgreSQL: text ids, integer
-- booleans, Unix-second timestamps (BIGINT), uniqueness enforced by the database itself.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    two_fa_enable INTEGER NOT NULL DEFAULT 0,
    email_verified INTEGER NOT NULL DEFAULT 0,
    lang TEXT NOT NULL DEFAULT 'en',
    is_active INTEGER NOT NULL DEFAULT 1,
    date_joined BIGINT NOT NULL,
    last_login BIGINT,
    password_changed_at BIGINT NOT NULL
);

-- Case-insensitive uniqueness: "Alice" and "alice" are one name, for concurrent inserts too.
CREATE UNIQUE INDEX users_username_unique ON users (lower(username));
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- One row per login. The refresh token's identifier is stored only as a hash; the previous
-- one is kept for the grace window and for reuse detection.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    auth_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    refresh_hash TEXT NOT NULL,
    previous_refresh_hash TEXT,
    rotated_at BIGINT,
    revoked_at BIGINT,
    revoke_reason TEXT,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_user_id ON sessions (user_id);
