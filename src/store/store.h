#pragma once
// The store as the domain sees it: records and the operations on them, inside transactions.
// One implementation (sql_store.cpp) serves SQLite and PostgreSQL through store/sql.h.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::store {

class Database;

struct User {
    std::string id;
    std::string username;
    std::string email;
    std::string password_hash;
    bool two_fa_enable = false;
    bool email_verified = false;
    std::string lang = "en";
    bool is_active = true;
    std::int64_t date_joined = 0;
    std::optional<std::int64_t> last_login;
    std::int64_t password_changed_at = 0;
    bool pending_creation = false;   // being created on the platform's services: no login yet
    bool totp_ready = false;         // a confirmed authenticator app (read-only, from totp_devices)
    int second_factor_failures = 0;  // consecutive wrong codes
    std::optional<std::int64_t> last_second_factor_failure;
};

struct Session {
    std::string id;
    std::string user_id;
    std::int64_t created_at = 0;
    std::int64_t last_used_at = 0;
    std::int64_t auth_time = 0;
    std::int64_t expires_at = 0;  // absolute end of the session
    std::string refresh_hash;     // hash of the current refresh token's jti
    std::optional<std::string> previous_refresh_hash;
    std::optional<std::int64_t> rotated_at;
    std::optional<std::int64_t> revoked_at;
    std::string user_agent;
    std::string ip;
};

struct OutboxMessage {
    std::string id;
    std::string recipient;  // bare address (RCPT TO)
    std::string sender;     // bare address (MAIL FROM)
    std::string mime;       // the rendered message, sealed (mail/outbox.h); "" once sent or failed
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    int attempts = 0;
};

enum class TokenPurpose { password_reset, email_verification };

struct OneTimeToken {
    std::string token_hash;
    TokenPurpose purpose = TokenPurpose::password_reset;
    std::string user_id;
    std::string email;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

struct TotpDevice {
    std::string id;
    std::string user_id;
    std::string secret_sealed;  // encrypted; see otp/sealed_box.h
    int digits = 6;
    std::int64_t step = 30;
    std::int64_t t0 = 0;
    std::int64_t drift = 0;  // steps the app's clock is off: codes are looked for at now + drift
    std::int64_t created_at = 0;
    std::optional<std::int64_t> confirmed_at;
    std::optional<std::int64_t> last_used_step;
};

struct RecoveryCode {
    std::string id;
    std::string user_id;
    std::string code_hash;  // a password hash (PHC string)
    std::int64_t created_at = 0;
    std::optional<std::int64_t> used_at;
};

struct LoginTicket {
    std::string ticket_hash;
    std::string user_id;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    int failures = 0;
    std::optional<std::int64_t> used_at;
    std::optional<std::string> email_code_hash;
    std::optional<std::int64_t> email_code_sent_at;
    std::string ip;
    std::string user_agent;
};

struct SecurityEvent {
    std::string id;
    std::int64_t at = 0;
    std::string kind;  // "login_succeeded", "login_failed", "logout", ...
    std::optional<std::string> user_id;
    std::string username;
    std::optional<std::string> session_id;
    std::string ip;
    std::string user_agent;
    std::string detail;  // a reason or a name, never a secret
    int repeats = 1;     // how many times it happened (repeated failures share one event)
};

// What an import made of one record of another service (authd import-django).
struct ImportRecord {
    std::string source;       // "django:user", "django:totp_device", "django:service"
    std::string source_id;    // the record's primary key there
    std::string target_id;    // users.id, totp_devices.id or service_accounts.name
    std::string fingerprint;  // a keyed hash of the record as imported
    std::int64_t imported_at = 0;
};

// A microservice account kept in the database (imported); AUTH_SERVICES configures the others.
struct ServiceAccount {
    std::string name;
    std::string password_hash;  // a password hash this build verifies (PHC or Django format)
    std::int64_t created_at = 0;
};

// An account change that calls the platform's other services (docs/HOOKS.md), as it stands.
struct AccountChange {
    std::string id;
    std::string kind;  // "create", "rename", "delete", "export"
    std::string user_id;
    std::string subject;  // JSON: the names, address and language the calls use
    std::optional<std::string> reserved_username;
    std::string direction = "forward";  // or "undo"
    int step = 0;                       // forward: calls done; undo: calls left to undo
    bool uncertain = false;             // undo: the last call to undo may never have happened
    std::string results = "{}";         // export: the answers gathered so far (JSON object)
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    int attempts = 0;
    std::string owner;  // the claim's holder
    std::optional<std::int64_t> locked_until;
    std::optional<std::string> last_error;
};

// One event owed to one subscriber (Standard Webhooks).
struct EventDelivery {
    std::string id;  // the webhook-id
    std::string subscriber;
    std::int64_t seq = 0;
    std::string user_id;
    std::string type;
    std::string body;
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    int attempts = 0;
};

// A row that would break a uniqueness rule: `field` is "username", "email" or "change" (another
// change of the account is under way).
class Duplicate : public std::runtime_error {
  public:
    explicit Duplicate(std::string field)
        : std::runtime_error("duplicate " + field), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

  private:
    std::string field_;
};

// Every operation, run inside the transaction that Store::read / Store::write opened.
class Transaction {
  public:
    virtual ~Transaction() = default;

    virtual std::optional<User> user_by_id(const std::string& id) = 0;
    // Case-insensitive.
    virtual std::optional<User> user_by_username(std::string_view username) = 0;
    virtual std::optional<User> user_by_email(std::string_view email) = 0;
    // Throws Duplicate.
    virtual void insert_user(const User& user) = 0;
    // Writes username, email, two_fa_enable, email_verified and lang. Throws Duplicate.
    virtual void update_profile(const User& user) = 0;
    // Also retires the user's reset links and pending login tickets.
    virtual void update_password(const std::string& user_id, const std::string& password_hash,
                                 std::int64_t changed_at) = 0;
    // Replaces the hash without counting as a change (a rehash with stronger parameters).
    virtual void replace_password_hash(const std::string& user_id,
                                       const std::string& password_hash) = 0;
    virtual void record_login(const std::string& user_id, std::int64_t at) = 0;
    // Deletes the user and, by cascade, its sessions.
    virtual void delete_user(const std::string& user_id) = 0;

    virtual void insert_session(const Session& session) = 0;
    virtual std::optional<Session> session_by_id(const std::string& session_id) = 0;
    // The session and its user in one statement (one round trip: every authenticated request
    // asks), or nullopt when the session does not exist.
    virtual std::optional<std::pair<Session, User>> session_with_user(
        const std::string& session_id) = 0;
    // Moves the session to `new_hash` only if its current hash is still `expected_hash` (so of
    // two concurrent rotations one wins). Returns whether it did.
    virtual bool rotate_refresh(const std::string& session_id, const std::string& expected_hash,
                                const std::string& new_hash, std::int64_t at) = 0;
    // Installs a new refresh hash with no grace for the old one (a re-issued pair).
    virtual void replace_refresh(const std::string& session_id, const std::string& new_hash,
                                 std::int64_t at) = 0;
    // Returns whether a live session was revoked.
    virtual bool revoke_session(const std::string& session_id, std::int64_t at,
                                std::string_view reason) = 0;
    // Revokes every live session of the user but `except_session_id` ("" for none); returns
    // how many.
    virtual int revoke_user_sessions(const std::string& user_id, std::int64_t at,
                                     std::string_view reason,
                                     const std::string& except_session_id) = 0;
    // Sessions not revoked and not expired at `now`, newest first.
    virtual std::vector<Session> active_sessions(const std::string& user_id, std::int64_t now) = 0;
    // Sessions of all users not revoked, not expired at `now` and used since `used_since` (a
    // gauge of the metrics).
    virtual std::int64_t active_session_count(std::int64_t now, std::int64_t used_since) = 0;
    // Every session of the user, ended ones included, newest first (the data export).
    virtual std::vector<Session> all_sessions(const std::string& user_id) = 0;
    // How each ended session ended ("logout", "password_changed", ...), by session id.
    virtual std::optional<std::string> revoke_reason(const std::string& session_id) = 0;

    virtual void set_email_verified(const std::string& user_id, bool verified) = 0;

    // The outbox.
    virtual void insert_outbox(const OutboxMessage& message) = 0;
    // Claims up to `limit` pending messages due at `now` that no sender holds, holding them
    // until `lock_until`; each is claimed by one sender only, across instances.
    virtual std::vector<OutboxMessage> claim_due_outbox(std::int64_t now, std::int64_t lock_until,
                                                        int limit) = 0;
    // Sent or given up: the message's body is erased, its metadata kept.
    virtual void mark_outbox_sent(const std::string& id, std::int64_t at) = 0;
    virtual void mark_outbox_retry(const std::string& id, int attempts,
                                   std::int64_t next_attempt_at, const std::string& error) = 0;
    virtual void mark_outbox_failed(const std::string& id, int attempts,
                                    const std::string& error) = 0;
    // Gives a claimed message back unattempted (its sender is stopping): due again at once.
    virtual void release_outbox_claim(const std::string& id) = 0;
    virtual std::int64_t pending_outbox_count() = 0;
    // Deletes sent and failed messages queued before `before` (pending ones are never deleted).
    virtual void prune_outbox(std::int64_t before) = 0;

    // One-time links.
    virtual void insert_one_time_token(const OneTimeToken& token) = 0;
    virtual std::optional<OneTimeToken> one_time_token(const std::string& token_hash) = 0;
    // Marks the token used if it is still unused and unexpired at `now`; returns whether it did
    // (of concurrent uses, one wins).
    virtual bool use_one_time_token(const std::string& token_hash, std::int64_t now) = 0;
    virtual void delete_one_time_tokens(const std::string& user_id, TokenPurpose purpose) = 0;

    // Counted attempts for per-window limits.
    virtual std::int64_t count_rate_events(const std::string& bucket, std::int64_t since) = 0;
    // The oldest counted attempt since `since` (when the window frees up).
    virtual std::optional<std::int64_t> oldest_rate_event(const std::string& bucket,
                                                          std::int64_t since) = 0;
    // The newest counted attempt since `since`.
    virtual std::optional<std::int64_t> newest_rate_event(const std::string& bucket,
                                                          std::int64_t since) = 0;
    virtual void insert_rate_event(const std::string& bucket, std::int64_t at) = 0;
    // Forgets one attempt counted at `at` (an attempt counted ahead that turned out not to be a
    // failure), if there is one.
    virtual void delete_rate_event(const std::string& bucket, std::int64_t at) = 0;
    // Forgets every attempt of the bucket (a success clears a backoff).
    virtual void delete_rate_events(const std::string& bucket) = 0;
    // Makes concurrent write transactions that count in these buckets run one after the other
    // until they end, so a count and the insert that follows it are not interleaved with
    // another's (on SQLite every write transaction already is).
    virtual void lock_rate_buckets(std::vector<std::string> buckets) = 0;
    virtual void prune_rate_events(std::int64_t before) = 0;

    // Authenticator apps, oldest first.
    virtual std::vector<TotpDevice> totp_devices(const std::string& user_id) = 0;
    virtual void insert_totp_device(const TotpDevice& device) = 0;
    // Removes the user's apps: the unconfirmed ones only, or all.
    virtual void delete_totp_devices(const std::string& user_id, bool unconfirmed_only) = 0;
    // Records `step` as used if no later or equal step was (of concurrent uses of one code, one
    // wins); confirms the device if it was not yet. Returns whether it did.
    virtual bool use_totp_step(const std::string& device_id, std::int64_t step,
                               std::int64_t now) = 0;

    virtual std::vector<RecoveryCode> unused_recovery_codes(const std::string& user_id) = 0;
    // Replaces every recovery code of the user.
    virtual void replace_recovery_codes(const std::string& user_id,
                                        const std::vector<RecoveryCode>& codes) = 0;
    // Marks the code used if it was not; returns whether it did.
    virtual bool use_recovery_code(const std::string& id, std::int64_t at) = 0;

    virtual void insert_login_ticket(const LoginTicket& ticket) = 0;
    virtual std::optional<LoginTicket> login_ticket(const std::string& ticket_hash) = 0;
    // Tickets of the user still usable at `now` (not used, not expired, not exhausted).
    virtual std::vector<LoginTicket> live_login_tickets(const std::string& user_id,
                                                        std::int64_t now, int max_failures) = 0;
    // Counts a wrong code against the ticket.
    virtual void count_ticket_failure(const std::string& ticket_hash) = 0;
    // Counts an attempt against the ticket as a failure before its code is checked, if the
    // ticket is still usable at `now`; returns whether it did. Check and count are one
    // statement, so parallel attempts cannot all pass a check made before any is counted.
    virtual bool admit_ticket_attempt(const std::string& ticket_hash, std::int64_t now,
                                      int max_failures) = 0;
    // Spends the ticket if it is still usable at `now`; returns whether it did (one of
    // concurrent uses wins).
    virtual bool use_login_ticket(const std::string& ticket_hash, std::int64_t now,
                                  int max_failures) = 0;
    virtual void set_ticket_email_code(const std::string& ticket_hash, const std::string& code_hash,
                                       std::int64_t at) = 0;
    virtual void delete_expired_login_tickets(std::int64_t before) = 0;

    // The audit log.
    virtual void insert_security_event(const SecurityEvent& event) = 0;
    // The user's events, newest first, at most `limit`.
    virtual std::vector<SecurityEvent> security_events_of_user(const std::string& user_id,
                                                               int limit) = 0;
    // The newest event of `kind` from `ip` since `since`, if any.
    virtual std::optional<SecurityEvent> latest_security_event(std::string_view kind,
                                                               const std::string& ip,
                                                               std::int64_t since) = 0;
    // Counts the event once more, at `at`, with a new detail (repeated failures of one address
    // are one event).
    virtual void repeat_security_event(const std::string& id, std::int64_t at,
                                       const std::string& detail) = 0;
    virtual std::vector<SecurityEvent> security_events_of_session(const std::string& session_id,
                                                                  int limit) = 0;
    virtual void prune_security_events(std::int64_t before) = 0;

    // Imports (authd import-django).
    virtual std::optional<ImportRecord> import_record(const std::string& source,
                                                      const std::string& source_id) = 0;
    // Inserts the record of (source, source_id) or replaces it.
    virtual void save_import_record(const ImportRecord& record) = 0;
    // Writes every field of an imported user but id, email_verified and the 2FA counters.
    // Throws Duplicate.
    virtual void update_imported_user(const User& user) = 0;
    virtual std::optional<TotpDevice> totp_device(const std::string& device_id) = 0;
    virtual void delete_totp_device(const std::string& device_id) = 0;

    // Microservice accounts kept in the database.
    virtual std::optional<ServiceAccount> service_account(std::string_view name) = 0;
    // Inserts the account or replaces the one of that name.
    virtual void save_service_account(const ServiceAccount& account) = 0;
    virtual void delete_service_account(const std::string& name) = 0;
    // Replaces the hash only if it is still `expected_hash`; returns whether it did.
    virtual bool replace_service_account_hash(const std::string& name,
                                              const std::string& expected_hash,
                                              const std::string& new_hash) = 0;

    // Account changes under way (docs/HOOKS.md). Inserting one for an account that has one
    // already, or reserving a name that is reserved, throws Duplicate.
    virtual void insert_account_change(const AccountChange& change) = 0;
    virtual std::optional<AccountChange> account_change(const std::string& id) = 0;
    // Ids of the changes due at `now` that no one holds, oldest first.
    virtual std::vector<std::string> due_account_changes(std::int64_t now, int limit) = 0;
    // Takes the change for `owner` until `lock_until` if no one holds it at `now`; returns
    // whether it did.
    virtual bool claim_account_change(const std::string& id, const std::string& owner,
                                      std::int64_t now, std::int64_t lock_until) = 0;
    // Writes direction, step, uncertain, results, next_attempt_at, attempts, locked_until and
    // last_error if `change.owner` still holds it; returns whether it did.
    virtual bool save_account_change(const AccountChange& change) = 0;
    // Deletes the change if `owner` holds it; returns whether it did.
    virtual bool delete_account_change(const std::string& id, const std::string& owner) = 0;
    // Whether a rename under way is taking this name (case-insensitive).
    virtual bool username_reserved(std::string_view username) = 0;
    virtual std::int64_t account_change_count() = 0;
    // Makes write transactions that name the same key wait for each other until they end (a
    // name being registered and reserved at once); SQLite has one writer already.
    virtual void lock_key(const std::string& key) = 0;
    // Marks a pending account as created (active).
    virtual void finish_user_creation(const std::string& user_id) = 0;

    // Events for subscribers. The next number of the events' order: the counter stays locked
    // until the transaction ends, so numbers follow the commits.
    virtual std::int64_t next_event_sequence() = 0;
    virtual void insert_event_delivery(const EventDelivery& delivery) = 0;
    // Claims up to `limit` due deliveries that are first in line for their subscriber and
    // user, holding them until `lock_until`.
    virtual std::vector<EventDelivery> claim_due_event_deliveries(std::int64_t now,
                                                                  std::int64_t lock_until,
                                                                  int limit) = 0;
    virtual void mark_event_delivered(const std::string& id, std::int64_t at) = 0;
    virtual void mark_event_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                                  const std::string& error) = 0;
    virtual void mark_event_failed(const std::string& id, int attempts,
                                   const std::string& error) = 0;
    virtual void release_event_claim(const std::string& id) = 0;
    // Pending deliveries by subscriber.
    virtual std::vector<std::pair<std::string, std::int64_t>> pending_event_counts() = 0;
    // Deletes delivered and failed deliveries created before `before`.
    virtual void prune_event_deliveries(std::int64_t before) = 0;

    // Consecutive wrong second-factor codes of an account: counted, or reset after a success.
    virtual void record_second_factor_failure(const std::string& user_id, std::int64_t at) = 0;
    virtual void reset_second_factor_failures(const std::string& user_id) = 0;
};

class Store {
  public:
    virtual ~Store() = default;
    // Run `work` in one transaction, committed when it returns, rolled back when it throws.
    // A database that cannot be reached is reported as authd::Error(unavailable).
    virtual void read(const std::function<void(Transaction&)>& work) = 0;
    virtual void write(const std::function<void(Transaction&)>& work) = 0;
    // Whether the database answers a trivial query now.
    virtual bool ping() = 0;
};

std::unique_ptr<Store> make_sql_store(std::shared_ptr<Database> database);

}  // namespace authd::store
