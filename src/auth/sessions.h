#pragma once
// Logins, sessions and refresh-token rotation with reuse detection.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/secrets.h"
#include "auth/tokens.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/random.h"

namespace authd::crypto {
class PasswordHasher;
}

namespace authd::auth {

struct TokenPair {
    std::string access;
    std::string refresh;
};

struct ClientInfo {
    std::string ip;
    std::string user_agent;
};

// The caller of an authenticated request: a live session and its user.
struct Principal {
    store::User user;
    store::Session session;
};

struct IntrospectionResult {
    bool active = false;
    std::string token_type;    // "access", "refresh" or "service"
    std::string username;      // user tokens
    std::string service_name;  // service tokens
    std::string session_id;    // user tokens
    std::int64_t expires_at = 0;
};

class Sessions {
  public:
    Sessions(store::Store& store, crypto::PasswordHasher& hasher, const TokenIssuer& tokens,
             const Secrets& secrets, Audit& audit, const Clock& clock, Random& random);

    struct LoginResult {
        TokenPair tokens;
        std::string lang;
        std::string session_id;
    };
    // The account a login names: `login` is a username or an e-mail address, matched
    // case-insensitively.
    std::optional<store::User> find_account(std::string_view login);
    // The password step of a login, for the account find_account() gave. A wrong name or
    // password costs the same one hash and gives the same exact 401 (so does an account whose
    // hash cannot match). A hash with weaker parameters than configured, or an imported Django
    // hash, is replaced (upgrade_password_hash). Opens nothing: LoginFlow decides whether a
    // second factor comes first.
    store::User check_password(std::optional<store::User> user, std::string_view password);

    // A new session for `user`, inside the caller's transaction (the one that spent the second
    // factor, when there was one). 401 as for a wrong password when the account was deleted or
    // its password changed since it was read.
    LoginResult open(store::Transaction& tx, const store::User& user, const ClientInfo& client);

    // Rotates: the token is spent and a new pair returned. A spent token within the grace
    // period returns the same new pair again; later, it revokes the whole session.
    TokenPair refresh(std::string_view refresh_token);

    // Ends the token's session (already ended: nothing to do).
    void logout(std::string_view refresh_token);

    // The caller of a bearer request: the access token must verify and its session be live.
    Principal authenticate(std::string_view access_token);

    void logout_all(const Principal& principal);
    struct SessionView {
        store::Session session;
        std::vector<store::SecurityEvent> events;  // of this session, newest first
    };
    // The caller's live sessions, newest first, each with its audit events.
    std::vector<SessionView> list(const Principal& principal);
    // Ends one of the caller's sessions; 404 when it is not one of theirs.
    void end(const Principal& principal, const std::string& session_id);

    // A fresh pair for a live session (after a rename), inside the caller's transaction: the
    // session's earlier refresh token stops working.
    TokenPair reissue(store::Transaction& tx, const store::User& user,
                      const store::Session& session);

    IntrospectionResult introspect(std::string_view token);

    // authd_active_sessions: sessions of all users not ended, expired or idle too long; a count
    // in the database, made at most every 5 s.
    void collect(metrics::Writer& out);

  private:
    TokenPair mint(const store::User& user, const store::Session& session,
                   const std::string& refresh_jti, const std::string& access_jti,
                   std::int64_t at) const;
    bool live(const store::Session& session, std::int64_t now) const;

    store::Store& store_;
    crypto::PasswordHasher& hasher_;
    const TokenIssuer& tokens_;
    const Secrets& secrets_;
    Audit& audit_;
    const Clock& clock_;
    Random& random_;
    std::string dummy_hash_;  // verified when the login names nobody, so timing reveals nothing
    metrics::CachedGauge active_count_;
};

// After `password` matched `user.password_hash`: when that hash is of another format (an
// imported Django hash) or has weaker parameters than configured, stores a fresh one of the
// same password, unless the password changed meanwhile; `user.password_hash` follows. Not a
// password change: nothing is revoked and password_changed_at stays.
void upgrade_password_hash(store::Store& store, crypto::PasswordHasher& hasher, store::User& user,
                           std::string_view password);

// The answers every route gives for bad tokens.
[[noreturn]] void throw_invalid_bearer();
[[noreturn]] void throw_invalid_refresh();
[[noreturn]] void throw_login_failed();

}  // namespace authd::auth
