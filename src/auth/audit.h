#pragma once
// The audit log: security events written in the transaction of what they record, with the
// client's address and user agent. Never a password, a token or a code.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::auth {

// Who made the request that a domain call serves, as the HTTP layer found it: the client's
// address (behind trusted proxies, the forwarded one) and its User-Agent, already valid UTF-8
// and cut to http::kMaxUserAgentBytes. Kept with sessions, tickets and audit events; the address
// is what per-address limits count. Background work has none: both are empty.
struct ClientInfo {
    std::string ip;
    std::string user_agent;
};

// The kinds of event, as stored and exported.
namespace event {
inline constexpr std::string_view account_created = "account_created";
inline constexpr std::string_view account_deleted = "account_deleted";
inline constexpr std::string_view login_succeeded = "login_succeeded";
inline constexpr std::string_view login_failed = "login_failed";  // detail: why
inline constexpr std::string_view second_factor_requested = "second_factor_requested";
inline constexpr std::string_view logout = "logout";
inline constexpr std::string_view logout_all = "logout_all";
inline constexpr std::string_view session_ended = "session_ended";
inline constexpr std::string_view refresh_reuse_detected = "refresh_reuse_detected";
inline constexpr std::string_view password_changed = "password_changed";
inline constexpr std::string_view password_reset = "password_reset";
inline constexpr std::string_view email_changed = "email_changed";
inline constexpr std::string_view username_changed = "username_changed";  // detail: the old name
inline constexpr std::string_view email_verified = "email_verified";
inline constexpr std::string_view two_factor_enabled = "two_factor_enabled";
inline constexpr std::string_view two_factor_disabled = "two_factor_disabled";
inline constexpr std::string_view authenticator_confirmed = "authenticator_confirmed";
inline constexpr std::string_view authenticator_removed = "authenticator_removed";
inline constexpr std::string_view recovery_code_used = "recovery_code_used";
inline constexpr std::string_view recovery_codes_regenerated = "recovery_codes_regenerated";
inline constexpr std::string_view service_token_issued = "service_token_issued";
inline constexpr std::string_view service_login_failed = "service_login_failed";
inline constexpr std::string_view rate_limited = "rate_limited";        // detail: which limit
inline constexpr std::string_view passkey_added = "passkey_added";      // detail: its name
inline constexpr std::string_view passkey_renamed = "passkey_renamed";  // detail: the new name
inline constexpr std::string_view passkey_removed = "passkey_removed";  // detail: its name
// An assertion whose signature counter did not move forward (or two uses that read the same
// counter): the authenticator may have been cloned. detail: the passkey's id.
inline constexpr std::string_view passkey_counter_regressed = "passkey_counter_regressed";
inline constexpr std::string_view password_removed = "password_removed";
}  // namespace event

// Hears every event recorded, in its transaction (platform/events.h turns some into events for
// subscribers).
class AuditListener {
  public:
    virtual ~AuditListener() = default;
    virtual void recorded(store::Transaction& tx, std::string_view kind, const store::User* user,
                          std::string_view session_id, std::string_view detail) = 0;
};

class Audit {
  public:
    Audit(const Clock& clock, Random& random);

    void set_listener(AuditListener& listener) { listener_ = &listener; }

    // One event inside the caller's transaction, from `client`. `user` may be null (an unknown
    // name, a service); an empty `session_id` is none.
    void record(store::Transaction& tx, const ClientInfo& client, std::string_view kind,
                const store::User* user, std::string_view session_id = {},
                std::string_view detail = {});
    void record(store::Transaction& tx, const ClientInfo& client, std::string_view kind,
                const store::User& user, std::string_view session_id = {},
                std::string_view detail = {}) {
        record(tx, client, kind, &user, session_id, detail);
    }
    // A failure that a flood repeats (no account named): the first from the client's address is
    // recorded, the next ones within `window` seconds of the last count in that event
    // (`repeats`), so a flood writes one row, not one per attempt.
    void record_repeated(store::Transaction& tx, const ClientInfo& client, std::string_view kind,
                         std::string_view detail, std::int64_t window);

  private:
    const Clock& clock_;
    Random& random_;
    AuditListener* listener_ = nullptr;
    std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace authd::auth
