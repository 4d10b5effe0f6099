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

namespace authd::auth {

struct TokenPair {
    std::string access;
    std::string refresh;
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
    Sessions(store::Store& store, const TokenIssuer& tokens, const Secrets& secrets, Audit& audit,
             const Clock& clock, Random& random);

    struct LoginResult {
        TokenPair tokens;
        std::string lang;
        std::string session_id;
    };
    // A new session for `user`, inside the caller's transaction (the one that spent the second
    // factor, when there was one). 401 as for a wrong password when the account was deleted or
    // its password changed since it was read. `auth_method`: "password" or "passkey", what
    // proved the login (a passkey in either step makes it "passkey").
    LoginResult open(store::Transaction& tx, const store::User& user, const ClientInfo& client,
                     std::string_view auth_method);

    // Rotates: the token is spent and a new pair returned. A spent token within the grace
    // period returns the same new pair again; later, it revokes the whole session.
    TokenPair refresh(std::string_view refresh_token, const ClientInfo& client);

    // Ends the token's session (already ended: nothing to do).
    void logout(std::string_view refresh_token, const ClientInfo& client);

    // The caller of a bearer request: the access token must verify and its session be live.
    Principal authenticate(std::string_view access_token);

    void logout_all(const Principal& principal, const ClientInfo& client);
    struct SessionView {
        store::Session session;
        std::vector<store::SecurityEvent> events;  // of this session, newest first
    };
    // The caller's live sessions, newest first, each with its audit events.
    std::vector<SessionView> list(const Principal& principal);
    // Ends one of the caller's sessions; 404 when it is not one of theirs.
    void end(const Principal& principal, const std::string& session_id, const ClientInfo& client);

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
    const TokenIssuer& tokens_;
    const Secrets& secrets_;
    Audit& audit_;
    const Clock& clock_;
    Random& random_;
    metrics::CachedGauge active_count_;
};

// The answers every route gives for bad tokens.
[[noreturn]] void throw_invalid_bearer();
[[noreturn]] void throw_invalid_refresh();
[[noreturn]] void throw_login_failed();

}  // namespace authd::auth
