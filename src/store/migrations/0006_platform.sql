-- The platform's other services (AUTH_HOOKS_FILE, docs/HOOKS.md): account changes under way
-- with their calls, and the signed events owed to subscribers.

-- An account change that calls the other services: written before the first call, updated after
-- each, deleted when the change is done or undone. A crash at any point leaves this row, and the
-- recovery pass finishes or undoes the change from it.
CREATE TABLE account_changes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                      -- create | rename | delete | export
    user_id TEXT NOT NULL,                   -- no foreign key: a delete outlives its account
    subject TEXT NOT NULL,                   -- JSON: the names, address and language it uses
    reserved_username TEXT,                  -- a rename's new name, held while it runs
    direction TEXT NOT NULL,                 -- forward | undo
    step INTEGER NOT NULL DEFAULT 0,         -- forward: calls done; undo: calls left to undo
    uncertain INTEGER NOT NULL DEFAULT 0,    -- undo: the last call may never have happened
    results TEXT NOT NULL DEFAULT '{}',      -- export: the answers gathered so far
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT NOT NULL DEFAULT '',          -- who holds the claim
    locked_until BIGINT,                     -- claimed until then
    last_error TEXT
);
CREATE INDEX account_changes_due ON account_changes (next_attempt_at);
-- One change at a time per account (exports gather data beside the others).
CREATE UNIQUE INDEX account_changes_one_per_user ON account_changes (user_id)
    WHERE kind <> 'export';
-- A name being taken by a rename cannot be registered or taken by another rename meanwhile.
CREATE UNIQUE INDEX account_changes_reserved_username
    ON account_changes (lower(reserved_username));

-- An account being created is pending (not active, no login) until every service has it.
ALTER TABLE users ADD COLUMN pending_creation INTEGER NOT NULL DEFAULT 0;

-- One row per event and subscriber. `seq` orders the events of one user: it comes from the
-- counter below, whose row each writer locks until it commits, so the order is commit order.
CREATE TABLE event_deliveries (
    id TEXT PRIMARY KEY,                     -- the webhook-id: the same on every try
    subscriber TEXT NOT NULL,
    seq BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,                      -- the exact JSON that is signed and sent
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    locked_until BIGINT,
    last_error TEXT,
    delivered_at BIGINT
);
CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at);
CREATE INDEX event_deliveries_order ON event_deliveries (subscriber, user_id, status, seq);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('event_sequence', 0);
