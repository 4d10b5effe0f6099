-- Importing the Django service (`authd import-django`): the clock drift of authenticator apps
-- enrolled there, what each imported record became, and the microservice accounts that lived in
-- its database.

-- django-otp's `drift`, in time steps: the app's codes are looked for around now + drift.
ALTER TABLE totp_devices ADD COLUMN drift INTEGER NOT NULL DEFAULT 0;

-- One row per imported record, so that a second run finds what the first one did. The
-- fingerprint is a keyed hash of the record as it was imported: a record changed in the source
-- since is updated, an equal one is left alone. A row outlives the account it made, so a second
-- run never brings back an account deleted in authd.
CREATE TABLE import_records (
    source TEXT NOT NULL,                    -- django:user | django:totp_device | django:service
    source_id TEXT NOT NULL,                 -- the record's primary key in the source
    target_id TEXT NOT NULL,                 -- users.id, totp_devices.id or service_accounts.name
    fingerprint TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (source, source_id)
);

-- Microservice credentials kept in the database (those of the Django service, with their
-- Django password hash until their first use rehashes them). AUTH_SERVICES names the others; a
-- name in both is AUTH_SERVICES'.
CREATE TABLE service_accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
