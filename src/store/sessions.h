#pragma once
// Login sessions (the sessions table).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/repository.h"
#include "store/users.h"

namespace authd::store {

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
    std::string auth_method = "password";  // how its login was proved: "password" or "passkey"
};

// Whether the session is live at `now`: not revoked and not expired.
inline bool live(const Session& session, std::int64_t now) {
    return !session.revoked_at && now < session.expires_at;
}
// The same condition in SQL, for the statements that select or count live sessions; `now` is
// the statement's parameter that holds the time ("$2"). A unit test holds the two together.
inline std::string live_session_sql(std::string_view now) {
    return "revoked_at IS NULL AND expires_at > " + std::string(now);
}

class Sessions : public Repository {
  public:
    using Repository::Repository;

    void insert(const Session& session);
    std::optional<Session> find(const std::string& session_id);
    // The session and its user in one statement (one round trip: every authenticated request
    // asks), or nullopt when the session does not exist.
    std::optional<std::pair<Session, User>> find_with_user(const std::string& session_id);
    // Moves the session to `new_hash` only if its current hash is still `expected_hash` (so of
    // two concurrent rotations one wins). Returns whether it did.
    bool rotate_refresh(const std::string& session_id, const std::string& expected_hash,
                        const std::string& new_hash, std::int64_t at);
    // Installs a new refresh hash with no grace for the old one (a re-issued pair).
    void replace_refresh(const std::string& session_id, const std::string& new_hash,
                         std::int64_t at);
    // Returns whether a session not yet revoked was revoked.
    bool revoke(const std::string& session_id, std::int64_t at, std::string_view reason);
    // Revokes every session of the user not yet revoked but `except_session_id` ("" for none);
    // returns how many.
    int revoke_all_of_user(const std::string& user_id, std::int64_t at, std::string_view reason,
                           const std::string& except_session_id);
    // The user's sessions live at `now`, newest first.
    std::vector<Session> live_of_user(const std::string& user_id, std::int64_t now);
    // Sessions of all users live at `now` and used since `used_since` (a gauge of the metrics).
    std::int64_t count_live(std::int64_t now, std::int64_t used_since);
    // Every session of the user, ended ones included, newest first (the data export).
    std::vector<Session> all_of_user(const std::string& user_id);
    // How an ended session ended ("logout", "password_changed", ...).
    std::optional<std::string> revoke_reason(const std::string& session_id);
};

}  // namespace authd::store
