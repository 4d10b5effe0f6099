-- Passkeys (WebAuthn credentials) and the challenges of their ceremonies.

-- A credential registered by a user. The public key is the COSE key as the authenticator wrote
-- it; the user handle is the random id the authenticator keeps for the account (never the
-- username), the same for all of a user's passkeys.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,      -- base64url
    user_handle TEXT NOT NULL,               -- base64url
    public_key TEXT NOT NULL,                -- base64url of the COSE key
    algorithm INTEGER NOT NULL,              -- COSE: -8 EdDSA, -7 ES256, -257 RS256
    sign_count BIGINT NOT NULL DEFAULT 0,
    transports TEXT NOT NULL DEFAULT '',     -- comma-separated, as the browser reported them
    aaguid TEXT NOT NULL DEFAULT '',         -- hex; zeros when the authenticator gives none
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backed_up INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A challenge handed out in an options answer, stored only as a hash and used once. Its
-- purpose says which ceremony may use it: a registration (for user_id, with the user handle
-- offered), a login (anyone's passkey), or the second factor of a login ticket.
CREATE TABLE webauthn_challenges (
    challenge_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    user_handle TEXT NOT NULL DEFAULT '',
    ticket_hash TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);

-- How each session's login was proved ("password", or "passkey"): removing the password needs a
-- recent login with a passkey.
ALTER TABLE sessions ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password';

-- The passkey that made a login's first step, when one did: it cannot be that login's second
-- factor too.
ALTER TABLE login_tickets ADD COLUMN first_passkey_id TEXT NOT NULL DEFAULT '';
