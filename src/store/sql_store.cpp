#include <algorithm>
#include <utility>

#include "store/sql.h"
#include "store/store.h"
#include "util/errors.h"
#include "util/log.h"

namespace authd::store {
namespace {

// Statements live next to the code that runs them; one text serves both databases.
constexpr std::string_view kUserColumns =
    "id, username, email, password_hash, two_fa_enable, email_verified, lang, is_active, "
    "date_joined, last_login, password_changed_at, "
    "CASE WHEN EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = users.id "
    "AND d.confirmed_at IS NOT NULL) THEN 1 ELSE 0 END, "
    "second_factor_failures, last_second_factor_failure, pending_creation";

const std::string kSelectUserById =
    std::string("SELECT ") + std::string(kUserColumns) + " FROM users WHERE id = $1";
const std::string kSelectUserByUsername = std::string("SELECT ") + std::string(kUserColumns) +
                                          " FROM users WHERE lower(username) = lower($1)";
const std::string kSelectUserByEmail = std::string("SELECT ") + std::string(kUserColumns) +
                                       " FROM users WHERE lower(email) = lower($1)";
constexpr std::string_view kInsertUser =
    "INSERT INTO users (id, username, email, password_hash, two_fa_enable, email_verified, lang, "
    "is_active, date_joined, last_login, password_changed_at, pending_creation) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
constexpr std::string_view kUpdateProfile =
    "UPDATE users SET username = $2, email = $3, two_fa_enable = $4, email_verified = $5, "
    "lang = $6 WHERE id = $1";
constexpr std::string_view kUpdatePassword =
    "UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1";
constexpr std::string_view kReplacePasswordHash =
    "UPDATE users SET password_hash = $2 WHERE id = $1";
constexpr std::string_view kRecordLogin = "UPDATE users SET last_login = $2 WHERE id = $1";
constexpr std::string_view kDeleteUserSessions = "DELETE FROM sessions WHERE user_id = $1";
constexpr std::string_view kDeleteUserTokens = "DELETE FROM one_time_tokens WHERE user_id = $1";
constexpr std::string_view kDeleteUserTwoFactor[] = {
    "DELETE FROM totp_devices WHERE user_id = $1",
    "DELETE FROM recovery_codes WHERE user_id = $1",
    "DELETE FROM login_tickets WHERE user_id = $1",
};
constexpr std::string_view kDeleteUserTickets = "DELETE FROM login_tickets WHERE user_id = $1";
constexpr std::string_view kDeleteUser = "DELETE FROM users WHERE id = $1";

constexpr std::string_view kSessionColumns =
    "id, user_id, created_at, last_used_at, auth_time, expires_at, refresh_hash, "
    "previous_refresh_hash, rotated_at, revoked_at, user_agent, ip";
const std::string kSelectSession =
    std::string("SELECT ") + std::string(kSessionColumns) + " FROM sessions WHERE id = $1";
// The session's columns qualified (users has id and created_at too), then the user's from a
// derived table, whose own "users" the columns' subquery refers to.
const std::string kSelectSessionWithUser =
    "SELECT sessions.id, sessions.user_id, sessions.created_at, sessions.last_used_at, "
    "sessions.auth_time, sessions.expires_at, sessions.refresh_hash, "
    "sessions.previous_refresh_hash, sessions.rotated_at, sessions.revoked_at, "
    "sessions.user_agent, sessions.ip, u.* FROM sessions JOIN (SELECT " +
    std::string(kUserColumns) + " FROM users) u ON u.id = sessions.user_id WHERE sessions.id = $1";
constexpr std::size_t kSessionColumnCount = 12;
const std::string kSelectActiveSessions =
    std::string("SELECT ") + std::string(kSessionColumns) +
    " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2"
    " ORDER BY created_at DESC, id";
constexpr std::string_view kCountActiveSessions =
    "SELECT count(*) FROM sessions "
    "WHERE revoked_at IS NULL AND expires_at > $1 AND last_used_at >= $2";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (id, user_id, created_at, last_used_at, auth_time, expires_at, "
    "refresh_hash, previous_refresh_hash, rotated_at, revoked_at, user_agent, ip) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL, $8, $9)";
constexpr std::string_view kRotateRefresh =
    "UPDATE sessions SET previous_refresh_hash = refresh_hash, refresh_hash = $3, "
    "rotated_at = $4, last_used_at = $4 "
    "WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL";
constexpr std::string_view kReplaceRefresh =
    "UPDATE sessions SET previous_refresh_hash = NULL, rotated_at = NULL, refresh_hash = $2, "
    "last_used_at = $3 WHERE id = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeSession =
    "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 "
    "WHERE id = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeUserSessions =
    "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 "
    "WHERE user_id = $1 AND revoked_at IS NULL AND id <> $4";
const std::string kSelectAllSessions = std::string("SELECT ") + std::string(kSessionColumns) +
                                       " FROM sessions WHERE user_id = $1"
                                       " ORDER BY created_at DESC, id";
constexpr std::string_view kSelectRevokeReason = "SELECT revoke_reason FROM sessions WHERE id = $1";
constexpr std::string_view kSetEmailVerified = "UPDATE users SET email_verified = $2 WHERE id = $1";
constexpr std::string_view kDeleteResetTokens =
    "DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset'";

constexpr std::string_view kInsertOutbox =
    "INSERT INTO outbox (id, recipient, sender, mime, created_at, next_attempt_at, attempts, "
    "status) VALUES ($1, $2, $3, $4, $5, $6, 0, 'pending')";
constexpr std::string_view kSelectDueOutbox =
    "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 "
    "AND (locked_until IS NULL OR locked_until <= $1) ORDER BY created_at, id LIMIT $2";
constexpr std::string_view kClaimOutbox =
    "UPDATE outbox SET locked_until = $3 WHERE id = $1 AND status = 'pending' "
    "AND (locked_until IS NULL OR locked_until <= $2)";
constexpr std::string_view kSelectOutbox =
    "SELECT id, recipient, sender, mime, created_at, next_attempt_at, attempts FROM outbox "
    "WHERE id = $1";
// Sent or given up, a message's body is erased: only its metadata stays.
constexpr std::string_view kOutboxSent =
    "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, "
    "locked_until = NULL, last_error = NULL, mime = '' WHERE id = $1";
constexpr std::string_view kOutboxRetry =
    "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, "
    "locked_until = NULL WHERE id = $1";
constexpr std::string_view kOutboxFailed =
    "UPDATE outbox SET status = 'failed', attempts = $2, last_error = $3, locked_until = NULL, "
    "mime = '' WHERE id = $1";
constexpr std::string_view kReleaseOutboxClaim =
    "UPDATE outbox SET locked_until = NULL WHERE id = $1 AND status = 'pending'";
constexpr std::string_view kPruneOutbox =
    "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < $1";
constexpr std::string_view kCountPendingOutbox =
    "SELECT count(*) FROM outbox WHERE status = 'pending'";

constexpr std::string_view kChangeColumns =
    "id, kind, user_id, subject, reserved_username, direction, step, uncertain, results, "
    "created_at, next_attempt_at, attempts, owner, locked_until, last_error";
constexpr std::string_view kInsertChange =
    "INSERT INTO account_changes (id, kind, user_id, subject, reserved_username, direction, "
    "step, uncertain, results, created_at, next_attempt_at, attempts, owner, locked_until, "
    "last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
const std::string kSelectChange =
    std::string("SELECT ") + std::string(kChangeColumns) + " FROM account_changes WHERE id = $1";
constexpr std::string_view kSelectDueChanges =
    "SELECT id FROM account_changes WHERE next_attempt_at <= $1 "
    "AND (locked_until IS NULL OR locked_until <= $1) ORDER BY created_at, id LIMIT $2";
constexpr std::string_view kClaimChange =
    "UPDATE account_changes SET owner = $2, locked_until = $4 WHERE id = $1 "
    "AND (locked_until IS NULL OR locked_until <= $3 OR owner = $2)";
constexpr std::string_view kSaveChange =
    "UPDATE account_changes SET direction = $3, step = $4, uncertain = $5, results = $6, "
    "next_attempt_at = $7, attempts = $8, locked_until = $9, last_error = $10 "
    "WHERE id = $1 AND owner = $2";
constexpr std::string_view kDeleteChange =
    "DELETE FROM account_changes WHERE id = $1 AND owner = $2";
constexpr std::string_view kSelectReservedUsername =
    "SELECT 1 FROM account_changes WHERE lower(reserved_username) = lower($1)";
constexpr std::string_view kCountChanges = "SELECT count(*) FROM account_changes";
constexpr std::string_view kLockKeyPostgres =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 1))";
constexpr std::string_view kFinishUserCreation =
    "UPDATE users SET is_active = 1, pending_creation = 0 WHERE id = $1";

constexpr std::string_view kNextEventSequence =
    "UPDATE counters SET value = value + 1 WHERE name = 'event_sequence' RETURNING value";
constexpr std::string_view kInsertEventDelivery =
    "INSERT INTO event_deliveries (id, subscriber, seq, user_id, type, body, created_at, "
    "next_attempt_at, attempts, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 'pending')";
// First in line: no earlier pending event of the same subscriber and user.
constexpr std::string_view kSelectDueEvents =
    "SELECT id FROM event_deliveries e WHERE status = 'pending' AND next_attempt_at <= $1 "
    "AND (locked_until IS NULL OR locked_until <= $1) AND NOT EXISTS (SELECT 1 FROM "
    "event_deliveries p WHERE p.subscriber = e.subscriber AND p.user_id = e.user_id "
    "AND p.status = 'pending' AND p.seq < e.seq) ORDER BY seq LIMIT $2";
constexpr std::string_view kClaimEvent =
    "UPDATE event_deliveries SET locked_until = $3 WHERE id = $1 AND status = 'pending' "
    "AND (locked_until IS NULL OR locked_until <= $2)";
constexpr std::string_view kSelectEvent =
    "SELECT id, subscriber, seq, user_id, type, body, created_at, next_attempt_at, attempts "
    "FROM event_deliveries WHERE id = $1";
constexpr std::string_view kEventDelivered =
    "UPDATE event_deliveries SET status = 'delivered', delivered_at = $2, "
    "attempts = attempts + 1, locked_until = NULL, last_error = NULL WHERE id = $1";
constexpr std::string_view kEventRetry =
    "UPDATE event_deliveries SET attempts = $2, next_attempt_at = $3, last_error = $4, "
    "locked_until = NULL WHERE id = $1";
constexpr std::string_view kEventFailed =
    "UPDATE event_deliveries SET status = 'failed', attempts = $2, last_error = $3, "
    "locked_until = NULL WHERE id = $1";
constexpr std::string_view kReleaseEvent =
    "UPDATE event_deliveries SET locked_until = NULL WHERE id = $1 AND status = 'pending'";
constexpr std::string_view kPendingEventCounts =
    "SELECT subscriber, count(*) FROM event_deliveries WHERE status = 'pending' "
    "GROUP BY subscriber ORDER BY subscriber";
constexpr std::string_view kPruneEvents =
    "DELETE FROM event_deliveries WHERE status IN ('delivered', 'failed') AND created_at < $1";

constexpr std::string_view kInsertToken =
    "INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, created_at, expires_at, "
    "used_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)";
constexpr std::string_view kSelectToken =
    "SELECT token_hash, purpose, user_id, email, created_at, expires_at, used_at "
    "FROM one_time_tokens WHERE token_hash = $1";
constexpr std::string_view kUseToken =
    "UPDATE one_time_tokens SET used_at = $2 "
    "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
constexpr std::string_view kDeleteTokens =
    "DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = $2";

constexpr std::string_view kCountRateEvents =
    "SELECT count(*) FROM rate_events WHERE bucket = $1 AND at > $2";
constexpr std::string_view kOldestRateEvent =
    "SELECT min(at) FROM rate_events WHERE bucket = $1 AND at > $2";
constexpr std::string_view kNewestRateEvent =
    "SELECT max(at) FROM rate_events WHERE bucket = $1 AND at > $2";
constexpr std::string_view kDeleteRateEvents = "DELETE FROM rate_events WHERE bucket = $1";
// One row of several equal ones: by SQLite's rowid, by PostgreSQL's ctid.
constexpr std::string_view kDeleteOneRateEventSqlite =
    "DELETE FROM rate_events WHERE rowid = (SELECT rowid FROM rate_events "
    "WHERE bucket = $1 AND at = $2 LIMIT 1)";
constexpr std::string_view kDeleteOneRateEventPostgres =
    "DELETE FROM rate_events WHERE ctid = (SELECT ctid FROM rate_events "
    "WHERE bucket = $1 AND at = $2 LIMIT 1)";
// Held until the transaction ends. Buckets are hashes, so hashtextextended spreads them well.
constexpr std::string_view kLockRateBucketPostgres =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
constexpr std::string_view kInsertRateEvent =
    "INSERT INTO rate_events (bucket, at) VALUES ($1, $2)";
constexpr std::string_view kPruneRateEvents = "DELETE FROM rate_events WHERE at <= $1";

constexpr std::string_view kTotpColumns =
    "id, user_id, secret_sealed, digits, step, t0, created_at, confirmed_at, last_used_step, "
    "drift";
const std::string kSelectTotpDevices = std::string("SELECT ") + std::string(kTotpColumns) +
                                       " FROM totp_devices WHERE user_id = $1"
                                       " ORDER BY created_at, id";
const std::string kSelectTotpDevice =
    std::string("SELECT ") + std::string(kTotpColumns) + " FROM totp_devices WHERE id = $1";
constexpr std::string_view kInsertTotpDevice =
    "INSERT INTO totp_devices (id, user_id, secret_sealed, digits, step, t0, created_at, "
    "confirmed_at, last_used_step, drift) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
constexpr std::string_view kDeleteTotpDevice = "DELETE FROM totp_devices WHERE id = $1";
constexpr std::string_view kDeleteUnconfirmedTotp =
    "DELETE FROM totp_devices WHERE user_id = $1 AND confirmed_at IS NULL";
constexpr std::string_view kDeleteAllTotp = "DELETE FROM totp_devices WHERE user_id = $1";
constexpr std::string_view kUseTotpStep =
    "UPDATE totp_devices SET last_used_step = $2, confirmed_at = coalesce(confirmed_at, $3) "
    "WHERE id = $1 AND (last_used_step IS NULL OR last_used_step < $2)";
// A newly confirmed app replaces the one confirmed before it.
constexpr std::string_view kDeleteOtherConfirmedTotp =
    "DELETE FROM totp_devices WHERE id <> $1 AND confirmed_at IS NOT NULL AND user_id = "
    "(SELECT user_id FROM totp_devices WHERE id = $1)";

constexpr std::string_view kSelectUnusedRecoveryCodes =
    "SELECT id, user_id, code_hash, created_at, used_at FROM recovery_codes "
    "WHERE user_id = $1 AND used_at IS NULL ORDER BY id";
constexpr std::string_view kDeleteRecoveryCodes = "DELETE FROM recovery_codes WHERE user_id = $1";
constexpr std::string_view kInsertRecoveryCode =
    "INSERT INTO recovery_codes (id, user_id, code_hash, created_at, used_at) "
    "VALUES ($1, $2, $3, $4, NULL)";
constexpr std::string_view kUseRecoveryCode =
    "UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL";

constexpr std::string_view kTicketColumns =
    "ticket_hash, user_id, created_at, expires_at, failures, used_at, email_code_hash, "
    "email_code_sent_at, ip, user_agent";
constexpr std::string_view kInsertTicket =
    "INSERT INTO login_tickets (ticket_hash, user_id, created_at, expires_at, failures, used_at, "
    "email_code_hash, email_code_sent_at, ip, user_agent) "
    "VALUES ($1, $2, $3, $4, 0, NULL, NULL, NULL, $5, $6)";
const std::string kSelectTicket = std::string("SELECT ") + std::string(kTicketColumns) +
                                  " FROM login_tickets WHERE ticket_hash = $1";
const std::string kSelectLiveTickets =
    std::string("SELECT ") + std::string(kTicketColumns) +
    " FROM login_tickets WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2"
    " AND failures < $3 ORDER BY created_at DESC, ticket_hash";
constexpr std::string_view kCountTicketFailure =
    "UPDATE login_tickets SET failures = failures + 1 WHERE ticket_hash = $1";
constexpr std::string_view kAdmitTicketAttempt =
    "UPDATE login_tickets SET failures = failures + 1 WHERE ticket_hash = $1 AND used_at IS NULL "
    "AND expires_at > $2 AND failures < $3";
constexpr std::string_view kUseTicket =
    "UPDATE login_tickets SET used_at = $2 WHERE ticket_hash = $1 AND used_at IS NULL "
    "AND expires_at > $2 AND failures < $3";
constexpr std::string_view kSetTicketEmailCode =
    "UPDATE login_tickets SET email_code_hash = $2, email_code_sent_at = $3 "
    "WHERE ticket_hash = $1";
constexpr std::string_view kDeleteExpiredTickets =
    "DELETE FROM login_tickets WHERE expires_at <= $1";

constexpr std::string_view kRecordSecondFactorFailure =
    "UPDATE users SET second_factor_failures = second_factor_failures + 1, "
    "last_second_factor_failure = $2 WHERE id = $1";
constexpr std::string_view kResetSecondFactorFailures =
    "UPDATE users SET second_factor_failures = 0 WHERE id = $1";

constexpr std::string_view kInsertSecurityEvent =
    "INSERT INTO security_events (id, at, kind, user_id, username, session_id, ip, user_agent, "
    "detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kEventColumns =
    "id, at, kind, user_id, username, session_id, ip, user_agent, detail, repeats";
const std::string kSelectLatestEvent =
    std::string("SELECT ") + std::string(kEventColumns) +
    " FROM security_events WHERE kind = $1 AND ip = $2 AND at >= $3 ORDER BY at DESC, id DESC"
    " LIMIT 1";
constexpr std::string_view kRepeatEvent =
    "UPDATE security_events SET at = $2, detail = $3, repeats = repeats + 1 WHERE id = $1";
const std::string kSelectUserEvents = std::string("SELECT ") + std::string(kEventColumns) +
                                      " FROM security_events WHERE user_id = $1"
                                      " ORDER BY at DESC, id DESC LIMIT $2";
const std::string kSelectSessionEvents = std::string("SELECT ") + std::string(kEventColumns) +
                                         " FROM security_events WHERE session_id = $1"
                                         " ORDER BY at DESC, id DESC LIMIT $2";
constexpr std::string_view kPruneSecurityEvents = "DELETE FROM security_events WHERE at < $1";

constexpr std::string_view kSelectImportRecord =
    "SELECT source, source_id, target_id, fingerprint, imported_at FROM import_records "
    "WHERE source = $1 AND source_id = $2";
constexpr std::string_view kSaveImportRecord =
    "INSERT INTO import_records (source, source_id, target_id, fingerprint, imported_at) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source, source_id) DO UPDATE SET "
    "target_id = excluded.target_id, fingerprint = excluded.fingerprint, "
    "imported_at = excluded.imported_at";
constexpr std::string_view kUpdateImportedUser =
    "UPDATE users SET username = $2, email = $3, password_hash = $4, two_fa_enable = $5, "
    "lang = $6, is_active = $7, date_joined = $8, last_login = $9, password_changed_at = $10 "
    "WHERE id = $1";

constexpr std::string_view kSelectServiceAccount =
    "SELECT name, password_hash, created_at FROM service_accounts WHERE name = $1";
constexpr std::string_view kSaveServiceAccount =
    "INSERT INTO service_accounts (name, password_hash, created_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash";
constexpr std::string_view kDeleteServiceAccount = "DELETE FROM service_accounts WHERE name = $1";
constexpr std::string_view kReplaceServiceAccountHash =
    "UPDATE service_accounts SET password_hash = $3 WHERE name = $1 AND password_hash = $2";

constexpr std::string_view kPing = "SELECT 1";

std::string_view purpose_name(TokenPurpose purpose) {
    return purpose == TokenPurpose::password_reset ? "password_reset" : "email_verification";
}

OutboxMessage read_outbox(const Row& row) {
    OutboxMessage message;
    message.id = row.text(0);
    message.recipient = row.text(1);
    message.sender = row.text(2);
    message.mime = row.text(3);
    message.created_at = row.integer(4);
    message.next_attempt_at = row.integer(5);
    message.attempts = static_cast<int>(row.integer(6));
    return message;
}

Param optional_integer(const std::optional<std::int64_t>& value) {
    if (value) return *value;
    return nullptr;
}

// `first`: where the user's columns start in the row.
User read_user(const Row& row, std::size_t first = 0) {
    User user;
    user.id = row.text(first + 0);
    user.username = row.text(first + 1);
    user.email = row.text(first + 2);
    user.password_hash = row.text(first + 3);
    user.two_fa_enable = row.boolean(first + 4);
    user.email_verified = row.boolean(first + 5);
    user.lang = row.text(first + 6);
    user.is_active = row.boolean(first + 7);
    user.date_joined = row.integer(first + 8);
    user.last_login = row.optional_integer(first + 9);
    user.password_changed_at = row.integer(first + 10);
    user.totp_ready = row.boolean(first + 11);
    user.second_factor_failures = static_cast<int>(row.integer(first + 12));
    user.last_second_factor_failure = row.optional_integer(first + 13);
    user.pending_creation = row.boolean(first + 14);
    return user;
}

AccountChange read_account_change(const Row& row) {
    AccountChange c;
    c.id = row.text(0);
    c.kind = row.text(1);
    c.user_id = row.text(2);
    c.subject = row.text(3);
    c.reserved_username = row.optional_text(4);
    c.direction = row.text(5);
    c.step = static_cast<int>(row.integer(6));
    c.uncertain = row.boolean(7);
    c.results = row.text(8);
    c.created_at = row.integer(9);
    c.next_attempt_at = row.integer(10);
    c.attempts = static_cast<int>(row.integer(11));
    c.owner = row.text(12);
    c.locked_until = row.optional_integer(13);
    c.last_error = row.optional_text(14);
    return c;
}

EventDelivery read_event_delivery(const Row& row) {
    EventDelivery d;
    d.id = row.text(0);
    d.subscriber = row.text(1);
    d.seq = row.integer(2);
    d.user_id = row.text(3);
    d.type = row.text(4);
    d.body = row.text(5);
    d.created_at = row.integer(6);
    d.next_attempt_at = row.integer(7);
    d.attempts = static_cast<int>(row.integer(8));
    return d;
}

TotpDevice read_totp_device(const Row& row) {
    TotpDevice device;
    device.id = row.text(0);
    device.user_id = row.text(1);
    device.secret_sealed = row.text(2);
    device.digits = static_cast<int>(row.integer(3));
    device.step = row.integer(4);
    device.t0 = row.integer(5);
    device.created_at = row.integer(6);
    device.confirmed_at = row.optional_integer(7);
    device.last_used_step = row.optional_integer(8);
    device.drift = row.integer(9);
    return device;
}

SecurityEvent read_event(const Row& row) {
    SecurityEvent event;
    event.id = row.text(0);
    event.at = row.integer(1);
    event.kind = row.text(2);
    event.user_id = row.optional_text(3);
    event.username = row.text(4);
    event.session_id = row.optional_text(5);
    event.ip = row.text(6);
    event.user_agent = row.text(7);
    event.detail = row.text(8);
    event.repeats = static_cast<int>(row.integer(9));
    return event;
}

Param optional_text(const std::optional<std::string>& value) {
    if (value) return *value;
    return nullptr;
}

LoginTicket read_ticket(const Row& row) {
    LoginTicket ticket;
    ticket.ticket_hash = row.text(0);
    ticket.user_id = row.text(1);
    ticket.created_at = row.integer(2);
    ticket.expires_at = row.integer(3);
    ticket.failures = static_cast<int>(row.integer(4));
    ticket.used_at = row.optional_integer(5);
    ticket.email_code_hash = row.optional_text(6);
    ticket.email_code_sent_at = row.optional_integer(7);
    ticket.ip = row.text(8);
    ticket.user_agent = row.text(9);
    return ticket;
}

Session read_session(const Row& row) {
    Session session;
    session.id = row.text(0);
    session.user_id = row.text(1);
    session.created_at = row.integer(2);
    session.last_used_at = row.integer(3);
    session.auth_time = row.integer(4);
    session.expires_at = row.integer(5);
    session.refresh_hash = row.text(6);
    session.previous_refresh_hash = row.optional_text(7);
    session.rotated_at = row.optional_integer(8);
    session.revoked_at = row.optional_integer(9);
    session.user_agent = row.text(10);
    session.ip = row.text(11);
    return session;
}

std::optional<User> first_user(const Result& result) {
    if (result.rows.empty()) return std::nullopt;
    return read_user(result.rows.front());
}

// Claims up to `limit` of the rows that `select_due` ($1 now, $2 limit) finds due, one by one with
// `claim` ($1 id, $2 now, $3 lock_until: it changes the row only while no one holds it, so each
// row goes to one claimant across instances), and reads each claimed row with `select_row`.
template <class Read>
auto claim_rows(Connection& db, std::string_view select_due, std::string_view claim,
                std::string_view select_row, std::int64_t now, std::int64_t lock_until, int limit,
                Read read) {
    std::vector<decltype(read(std::declval<const Row&>()))> claimed;
    const Result due = db.execute(select_due, {now, std::int64_t{limit}});
    for (const Row& row : due.rows) {
        const std::string id = row.text(0);
        if (db.execute(claim, {id, now, lock_until}).affected != 1) continue;
        const Result selected = db.execute(select_row, {id});
        if (!selected.rows.empty()) claimed.push_back(read(selected.rows.front()));
    }
    return claimed;
}

// Index names from the migrations → the field a client sees.
[[noreturn]] void throw_duplicate(const UniqueViolation& violation) {
    const std::string& name = violation.constraint();
    // SQLite names a plain column's index by its column.
    if (name.find("one_per_user") != std::string::npos || name == "account_changes.user_id")
        throw Duplicate("change");
    if (name.find("username") != std::string::npos) throw Duplicate("username");
    if (name.find("email") != std::string::npos) throw Duplicate("email");
    throw violation;
}

class SqlTransaction final : public Transaction {
  public:
    explicit SqlTransaction(Connection& connection) : db_(connection) {}

    std::optional<User> user_by_id(const std::string& id) override {
        return first_user(db_.execute(kSelectUserById, {id}));
    }
    std::optional<User> user_by_username(std::string_view username) override {
        return first_user(db_.execute(kSelectUserByUsername, {std::string(username)}));
    }
    std::optional<User> user_by_email(std::string_view email) override {
        return first_user(db_.execute(kSelectUserByEmail, {std::string(email)}));
    }

    void insert_user(const User& user) override {
        try {
            db_.execute(
                kInsertUser,
                {user.id, user.username, user.email, user.password_hash,
                 std::int64_t{user.two_fa_enable}, std::int64_t{user.email_verified}, user.lang,
                 std::int64_t{user.is_active}, user.date_joined, optional_integer(user.last_login),
                 user.password_changed_at, std::int64_t{user.pending_creation}});
        } catch (const UniqueViolation& violation) {
            throw_duplicate(violation);
        }
    }

    void update_profile(const User& user) override {
        try {
            db_.execute(kUpdateProfile,
                        {user.id, user.username, user.email, std::int64_t{user.two_fa_enable},
                         std::int64_t{user.email_verified}, user.lang});
        } catch (const UniqueViolation& violation) {
            throw_duplicate(violation);
        }
    }

    void update_password(const std::string& user_id, const std::string& password_hash,
                         std::int64_t changed_at) override {
        db_.execute(kUpdatePassword, {user_id, password_hash, changed_at});
        // A password change, by any route, retires every reset link still out, and every login
        // that passed the old password and waits for its second factor.
        db_.execute(kDeleteResetTokens, {user_id});
        db_.execute(kDeleteUserTickets, {user_id});
    }

    void replace_password_hash(const std::string& user_id,
                               const std::string& password_hash) override {
        db_.execute(kReplacePasswordHash, {user_id, password_hash});
    }

    void record_login(const std::string& user_id, std::int64_t at) override {
        db_.execute(kRecordLogin, {user_id, at});
    }

    void delete_user(const std::string& user_id) override {
        // Explicit as well as by cascade: SQLite enforces foreign keys only when asked to.
        db_.execute(kDeleteUserSessions, {user_id});
        db_.execute(kDeleteUserTokens, {user_id});
        for (std::string_view statement : kDeleteUserTwoFactor)
            db_.execute(statement, {user_id});
        db_.execute(kDeleteUser, {user_id});
    }

    void insert_session(const Session& s) override {
        db_.execute(kInsertSession, {s.id, s.user_id, s.created_at, s.last_used_at, s.auth_time,
                                     s.expires_at, s.refresh_hash, s.user_agent, s.ip});
    }

    std::optional<Session> session_by_id(const std::string& session_id) override {
        const Result result = db_.execute(kSelectSession, {session_id});
        if (result.rows.empty()) return std::nullopt;
        return read_session(result.rows.front());
    }

    std::optional<std::pair<Session, User>> session_with_user(
        const std::string& session_id) override {
        const Result result = db_.execute(kSelectSessionWithUser, {session_id});
        if (result.rows.empty()) return std::nullopt;
        const Row& row = result.rows.front();
        return std::pair{read_session(row), read_user(row, kSessionColumnCount)};
    }

    bool rotate_refresh(const std::string& session_id, const std::string& expected_hash,
                        const std::string& new_hash, std::int64_t at) override {
        return db_.execute(kRotateRefresh, {session_id, expected_hash, new_hash, at}).affected == 1;
    }

    void replace_refresh(const std::string& session_id, const std::string& new_hash,
                         std::int64_t at) override {
        db_.execute(kReplaceRefresh, {session_id, new_hash, at});
    }

    bool revoke_session(const std::string& session_id, std::int64_t at,
                        std::string_view reason) override {
        return db_.execute(kRevokeSession, {session_id, at, std::string(reason)}).affected == 1;
    }

    int revoke_user_sessions(const std::string& user_id, std::int64_t at, std::string_view reason,
                             const std::string& except_session_id) override {
        return static_cast<int>(
            db_.execute(kRevokeUserSessions, {user_id, at, std::string(reason), except_session_id})
                .affected);
    }

    std::vector<Session> active_sessions(const std::string& user_id, std::int64_t now) override {
        std::vector<Session> sessions;
        for (const Row& row : db_.execute(kSelectActiveSessions, {user_id, now}).rows)
            sessions.push_back(read_session(row));
        return sessions;
    }

    std::int64_t active_session_count(std::int64_t now, std::int64_t used_since) override {
        return db_.execute(kCountActiveSessions, {now, used_since}).rows.front().integer(0);
    }

    std::vector<Session> all_sessions(const std::string& user_id) override {
        std::vector<Session> sessions;
        for (const Row& row : db_.execute(kSelectAllSessions, {user_id}).rows)
            sessions.push_back(read_session(row));
        return sessions;
    }

    std::optional<std::string> revoke_reason(const std::string& session_id) override {
        const Result result = db_.execute(kSelectRevokeReason, {session_id});
        if (result.rows.empty()) return std::nullopt;
        return result.rows.front().optional_text(0);
    }

    void set_email_verified(const std::string& user_id, bool verified) override {
        db_.execute(kSetEmailVerified, {user_id, std::int64_t{verified}});
    }

    void insert_outbox(const OutboxMessage& m) override {
        db_.execute(kInsertOutbox,
                    {m.id, m.recipient, m.sender, m.mime, m.created_at, m.next_attempt_at});
    }

    std::vector<OutboxMessage> claim_due_outbox(std::int64_t now, std::int64_t lock_until,
                                                int limit) override {
        return claim_rows(db_, kSelectDueOutbox, kClaimOutbox, kSelectOutbox, now, lock_until,
                          limit, read_outbox);
    }

    void mark_outbox_sent(const std::string& id, std::int64_t at) override {
        db_.execute(kOutboxSent, {id, at});
    }

    void mark_outbox_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                           const std::string& error) override {
        db_.execute(kOutboxRetry, {id, std::int64_t{attempts}, next_attempt_at, error});
    }

    void mark_outbox_failed(const std::string& id, int attempts,
                            const std::string& error) override {
        db_.execute(kOutboxFailed, {id, std::int64_t{attempts}, error});
    }

    void release_outbox_claim(const std::string& id) override {
        db_.execute(kReleaseOutboxClaim, {id});
    }

    void prune_outbox(std::int64_t before) override { db_.execute(kPruneOutbox, {before}); }

    std::int64_t pending_outbox_count() override {
        return db_.execute(kCountPendingOutbox).rows.front().integer(0);
    }

    void insert_one_time_token(const OneTimeToken& t) override {
        db_.execute(kInsertToken, {t.token_hash, std::string(purpose_name(t.purpose)), t.user_id,
                                   t.email, t.created_at, t.expires_at});
    }

    std::optional<OneTimeToken> one_time_token(const std::string& token_hash) override {
        const Result result = db_.execute(kSelectToken, {token_hash});
        if (result.rows.empty()) return std::nullopt;
        const Row& row = result.rows.front();
        OneTimeToken token;
        token.token_hash = row.text(0);
        token.purpose = row.text(1) == "password_reset" ? TokenPurpose::password_reset
                                                        : TokenPurpose::email_verification;
        token.user_id = row.text(2);
        token.email = row.text(3);
        token.created_at = row.integer(4);
        token.expires_at = row.integer(5);
        token.used_at = row.optional_integer(6);
        return token;
    }

    bool use_one_time_token(const std::string& token_hash, std::int64_t now) override {
        return db_.execute(kUseToken, {token_hash, now}).affected == 1;
    }

    void delete_one_time_tokens(const std::string& user_id, TokenPurpose purpose) override {
        db_.execute(kDeleteTokens, {user_id, std::string(purpose_name(purpose))});
    }

    std::int64_t count_rate_events(const std::string& bucket, std::int64_t since) override {
        return db_.execute(kCountRateEvents, {bucket, since}).rows.front().integer(0);
    }

    std::optional<std::int64_t> oldest_rate_event(const std::string& bucket,
                                                  std::int64_t since) override {
        return db_.execute(kOldestRateEvent, {bucket, since}).rows.front().optional_integer(0);
    }

    std::optional<std::int64_t> newest_rate_event(const std::string& bucket,
                                                  std::int64_t since) override {
        return db_.execute(kNewestRateEvent, {bucket, since}).rows.front().optional_integer(0);
    }

    void delete_rate_events(const std::string& bucket) override {
        db_.execute(kDeleteRateEvents, {bucket});
    }

    void delete_rate_event(const std::string& bucket, std::int64_t at) override {
        db_.execute(db_.dialect() == Dialect::postgres ? kDeleteOneRateEventPostgres
                                                       : kDeleteOneRateEventSqlite,
                    {bucket, at});
    }

    void lock_rate_buckets(std::vector<std::string> buckets) override {
        if (db_.dialect() != Dialect::postgres) return;  // SQLite: BEGIN IMMEDIATE, one writer
        // Always in the same order, so two transactions locking overlapping sets cannot deadlock.
        std::sort(buckets.begin(), buckets.end());
        buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
        for (const std::string& bucket : buckets)
            db_.execute(kLockRateBucketPostgres, {bucket});
    }

    void insert_rate_event(const std::string& bucket, std::int64_t at) override {
        db_.execute(kInsertRateEvent, {bucket, at});
    }

    void prune_rate_events(std::int64_t before) override {
        db_.execute(kPruneRateEvents, {before});
    }

    std::vector<TotpDevice> totp_devices(const std::string& user_id) override {
        std::vector<TotpDevice> devices;
        for (const Row& row : db_.execute(kSelectTotpDevices, {user_id}).rows)
            devices.push_back(read_totp_device(row));
        return devices;
    }

    void insert_totp_device(const TotpDevice& d) override {
        db_.execute(
            kInsertTotpDevice,
            {d.id, d.user_id, d.secret_sealed, std::int64_t{d.digits}, d.step, d.t0, d.created_at,
             optional_integer(d.confirmed_at), optional_integer(d.last_used_step), d.drift});
    }

    void delete_totp_devices(const std::string& user_id, bool unconfirmed_only) override {
        db_.execute(unconfirmed_only ? kDeleteUnconfirmedTotp : kDeleteAllTotp, {user_id});
    }

    bool use_totp_step(const std::string& device_id, std::int64_t step, std::int64_t now) override {
        if (db_.execute(kUseTotpStep, {device_id, step, now}).affected != 1) return false;
        db_.execute(kDeleteOtherConfirmedTotp, {device_id});
        return true;
    }

    std::vector<RecoveryCode> unused_recovery_codes(const std::string& user_id) override {
        std::vector<RecoveryCode> codes;
        for (const Row& row : db_.execute(kSelectUnusedRecoveryCodes, {user_id}).rows) {
            RecoveryCode code;
            code.id = row.text(0);
            code.user_id = row.text(1);
            code.code_hash = row.text(2);
            code.created_at = row.integer(3);
            code.used_at = row.optional_integer(4);
            codes.push_back(std::move(code));
        }
        return codes;
    }

    void replace_recovery_codes(const std::string& user_id,
                                const std::vector<RecoveryCode>& codes) override {
        db_.execute(kDeleteRecoveryCodes, {user_id});
        for (const RecoveryCode& code : codes)
            db_.execute(kInsertRecoveryCode, {code.id, user_id, code.code_hash, code.created_at});
    }

    bool use_recovery_code(const std::string& id, std::int64_t at) override {
        return db_.execute(kUseRecoveryCode, {id, at}).affected == 1;
    }

    void insert_login_ticket(const LoginTicket& t) override {
        db_.execute(kInsertTicket,
                    {t.ticket_hash, t.user_id, t.created_at, t.expires_at, t.ip, t.user_agent});
    }

    std::optional<LoginTicket> login_ticket(const std::string& ticket_hash) override {
        const Result result = db_.execute(kSelectTicket, {ticket_hash});
        if (result.rows.empty()) return std::nullopt;
        return read_ticket(result.rows.front());
    }

    std::vector<LoginTicket> live_login_tickets(const std::string& user_id, std::int64_t now,
                                                int max_failures) override {
        std::vector<LoginTicket> tickets;
        for (const Row& row :
             db_.execute(kSelectLiveTickets, {user_id, now, std::int64_t{max_failures}}).rows)
            tickets.push_back(read_ticket(row));
        return tickets;
    }

    void count_ticket_failure(const std::string& ticket_hash) override {
        db_.execute(kCountTicketFailure, {ticket_hash});
    }

    bool admit_ticket_attempt(const std::string& ticket_hash, std::int64_t now,
                              int max_failures) override {
        return db_.execute(kAdmitTicketAttempt, {ticket_hash, now, std::int64_t{max_failures}})
                   .affected == 1;
    }

    bool use_login_ticket(const std::string& ticket_hash, std::int64_t now,
                          int max_failures) override {
        return db_.execute(kUseTicket, {ticket_hash, now, std::int64_t{max_failures}}).affected ==
               1;
    }

    void set_ticket_email_code(const std::string& ticket_hash, const std::string& code_hash,
                               std::int64_t at) override {
        db_.execute(kSetTicketEmailCode, {ticket_hash, code_hash, at});
    }

    void delete_expired_login_tickets(std::int64_t before) override {
        db_.execute(kDeleteExpiredTickets, {before});
    }

    void insert_security_event(const SecurityEvent& e) override {
        db_.execute(kInsertSecurityEvent,
                    {e.id, e.at, e.kind, optional_text(e.user_id), e.username,
                     optional_text(e.session_id), e.ip, e.user_agent, e.detail});
    }

    std::vector<SecurityEvent> security_events_of_user(const std::string& user_id,
                                                       int limit) override {
        std::vector<SecurityEvent> events;
        for (const Row& row : db_.execute(kSelectUserEvents, {user_id, std::int64_t{limit}}).rows)
            events.push_back(read_event(row));
        return events;
    }

    std::optional<SecurityEvent> latest_security_event(std::string_view kind, const std::string& ip,
                                                       std::int64_t since) override {
        const Result result = db_.execute(kSelectLatestEvent, {std::string(kind), ip, since});
        if (result.rows.empty()) return std::nullopt;
        return read_event(result.rows.front());
    }

    void repeat_security_event(const std::string& id, std::int64_t at,
                               const std::string& detail) override {
        db_.execute(kRepeatEvent, {id, at, detail});
    }

    std::vector<SecurityEvent> security_events_of_session(const std::string& session_id,
                                                          int limit) override {
        std::vector<SecurityEvent> events;
        for (const Row& row :
             db_.execute(kSelectSessionEvents, {session_id, std::int64_t{limit}}).rows)
            events.push_back(read_event(row));
        return events;
    }

    void prune_security_events(std::int64_t before) override {
        db_.execute(kPruneSecurityEvents, {before});
    }

    std::optional<ImportRecord> import_record(const std::string& source,
                                              const std::string& source_id) override {
        const Result result = db_.execute(kSelectImportRecord, {source, source_id});
        if (result.rows.empty()) return std::nullopt;
        const Row& row = result.rows.front();
        return ImportRecord{row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4)};
    }

    void save_import_record(const ImportRecord& r) override {
        db_.execute(kSaveImportRecord,
                    {r.source, r.source_id, r.target_id, r.fingerprint, r.imported_at});
    }

    void update_imported_user(const User& u) override {
        try {
            db_.execute(kUpdateImportedUser,
                        {u.id, u.username, u.email, u.password_hash, std::int64_t{u.two_fa_enable},
                         u.lang, std::int64_t{u.is_active}, u.date_joined,
                         optional_integer(u.last_login), u.password_changed_at});
        } catch (const UniqueViolation& violation) {
            throw_duplicate(violation);
        }
    }

    std::optional<TotpDevice> totp_device(const std::string& device_id) override {
        const Result result = db_.execute(kSelectTotpDevice, {device_id});
        if (result.rows.empty()) return std::nullopt;
        return read_totp_device(result.rows.front());
    }

    void delete_totp_device(const std::string& device_id) override {
        db_.execute(kDeleteTotpDevice, {device_id});
    }

    std::optional<ServiceAccount> service_account(std::string_view name) override {
        const Result result = db_.execute(kSelectServiceAccount, {std::string(name)});
        if (result.rows.empty()) return std::nullopt;
        const Row& row = result.rows.front();
        return ServiceAccount{row.text(0), row.text(1), row.integer(2)};
    }

    void save_service_account(const ServiceAccount& a) override {
        db_.execute(kSaveServiceAccount, {a.name, a.password_hash, a.created_at});
    }

    void delete_service_account(const std::string& name) override {
        db_.execute(kDeleteServiceAccount, {name});
    }

    bool replace_service_account_hash(const std::string& name, const std::string& expected_hash,
                                      const std::string& new_hash) override {
        return db_.execute(kReplaceServiceAccountHash, {name, expected_hash, new_hash}).affected ==
               1;
    }

    void record_second_factor_failure(const std::string& user_id, std::int64_t at) override {
        db_.execute(kRecordSecondFactorFailure, {user_id, at});
    }

    void reset_second_factor_failures(const std::string& user_id) override {
        db_.execute(kResetSecondFactorFailures, {user_id});
    }

    void insert_account_change(const AccountChange& c) override {
        std::optional<std::string> reserved = c.reserved_username;
        try {
            db_.execute(kInsertChange, {c.id, c.kind, c.user_id, c.subject,
                                        reserved ? Param(*reserved) : Param(nullptr), c.direction,
                                        std::int64_t{c.step}, std::int64_t{c.uncertain}, c.results,
                                        c.created_at, c.next_attempt_at, std::int64_t{c.attempts},
                                        c.owner, optional_integer(c.locked_until),
                                        c.last_error ? Param(*c.last_error) : Param(nullptr)});
        } catch (const UniqueViolation& violation) {
            throw_duplicate(violation);
        }
    }

    std::optional<AccountChange> account_change(const std::string& id) override {
        const Result result = db_.execute(kSelectChange, {id});
        if (result.rows.empty()) return std::nullopt;
        return read_account_change(result.rows.front());
    }

    std::vector<std::string> due_account_changes(std::int64_t now, int limit) override {
        std::vector<std::string> ids;
        for (const Row& row : db_.execute(kSelectDueChanges, {now, std::int64_t{limit}}).rows)
            ids.push_back(row.text(0));
        return ids;
    }

    bool claim_account_change(const std::string& id, const std::string& owner, std::int64_t now,
                              std::int64_t lock_until) override {
        return db_.execute(kClaimChange, {id, owner, now, lock_until}).affected == 1;
    }

    bool save_account_change(const AccountChange& c) override {
        return db_.execute(kSaveChange, {c.id, c.owner, c.direction, std::int64_t{c.step},
                                         std::int64_t{c.uncertain}, c.results, c.next_attempt_at,
                                         std::int64_t{c.attempts}, optional_integer(c.locked_until),
                                         c.last_error ? Param(*c.last_error) : Param(nullptr)})
                   .affected == 1;
    }

    bool delete_account_change(const std::string& id, const std::string& owner) override {
        return db_.execute(kDeleteChange, {id, owner}).affected == 1;
    }

    bool username_reserved(std::string_view username) override {
        return !db_.execute(kSelectReservedUsername, {std::string(username)}).rows.empty();
    }

    std::int64_t account_change_count() override {
        return db_.execute(kCountChanges).rows.front().integer(0);
    }

    void lock_key(const std::string& key) override {
        if (db_.dialect() != Dialect::postgres) return;  // SQLite: BEGIN IMMEDIATE, one writer
        db_.execute(kLockKeyPostgres, {key});
    }

    void finish_user_creation(const std::string& user_id) override {
        db_.execute(kFinishUserCreation, {user_id});
    }

    std::int64_t next_event_sequence() override {
        return db_.execute(kNextEventSequence).rows.front().integer(0);
    }

    void insert_event_delivery(const EventDelivery& d) override {
        db_.execute(kInsertEventDelivery, {d.id, d.subscriber, d.seq, d.user_id, d.type, d.body,
                                           d.created_at, d.next_attempt_at});
    }

    std::vector<EventDelivery> claim_due_event_deliveries(std::int64_t now, std::int64_t lock_until,
                                                          int limit) override {
        return claim_rows(db_, kSelectDueEvents, kClaimEvent, kSelectEvent, now, lock_until, limit,
                          read_event_delivery);
    }

    void mark_event_delivered(const std::string& id, std::int64_t at) override {
        db_.execute(kEventDelivered, {id, at});
    }

    void mark_event_retry(const std::string& id, int attempts, std::int64_t next_attempt_at,
                          const std::string& error) override {
        db_.execute(kEventRetry, {id, std::int64_t{attempts}, next_attempt_at, error});
    }

    void mark_event_failed(const std::string& id, int attempts, const std::string& error) override {
        db_.execute(kEventFailed, {id, std::int64_t{attempts}, error});
    }

    void release_event_claim(const std::string& id) override { db_.execute(kReleaseEvent, {id}); }

    std::vector<std::pair<std::string, std::int64_t>> pending_event_counts() override {
        std::vector<std::pair<std::string, std::int64_t>> counts;
        for (const Row& row : db_.execute(kPendingEventCounts).rows)
            counts.emplace_back(row.text(0), row.integer(1));
        return counts;
    }

    void prune_event_deliveries(std::int64_t before) override {
        db_.execute(kPruneEvents, {before});
    }

  private:
    Connection& db_;
};

class SqlStore final : public Store {
  public:
    explicit SqlStore(std::shared_ptr<Database> database) : database_(std::move(database)) {}

    void read(const std::function<void(Transaction&)>& work) override { run(false, work); }
    void write(const std::function<void(Transaction&)>& work) override { run(true, work); }

    bool ping() override {
        try {
            auto lease = database_->acquire();
            lease->execute(kPing);
            return true;
        } catch (const std::exception& e) {
            log::warn(std::string("database ping failed: ") + e.what());
            return false;
        }
    }

  private:
    void run(bool write, const std::function<void(Transaction&)>& work) {
        try {
            database_->transaction(write, [&](Connection& connection) {
                SqlTransaction transaction(connection);
                work(transaction);
            });
        } catch (const Unavailable& e) {
            log::warn(std::string("database unavailable: ") + e.what());
            throw Error(ErrorKind::unavailable, "service_unavailable",
                        i18n::keys::database_unavailable_retry, 5);
        }
    }

    std::shared_ptr<Database> database_;
};

}  // namespace

std::unique_ptr<Store> make_sql_store(std::shared_ptr<Database> database) {
    return std::make_unique<SqlStore>(std::move(database));
}

}  // namespace authd::store
