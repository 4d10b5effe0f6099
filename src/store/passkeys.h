#pragma once
// Passkeys and the challenges of their ceremonies (the passkeys and webauthn_challenges
// tables).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repository.h"

namespace authd::store {

struct Passkey {
    std::string id;  // authd's, in the routes
    std::string user_id;
    std::string credential_id;  // base64url
    std::string user_handle;    // base64url
    std::string public_key;     // base64url of the COSE key
    int algorithm = 0;
    std::int64_t sign_count = 0;
    std::string transports;  // comma-separated
    std::string aaguid;      // hex
    bool backup_eligible = false;
    bool backed_up = false;
    std::string name;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> last_used_at;
};

struct WebauthnChallenge {
    std::string challenge_hash;
    std::string purpose;  // "registration", "login" or "second_factor"
    std::optional<std::string> user_id;
    std::string user_handle;  // registration: the handle offered (base64url)
    std::string ticket_hash;  // second_factor: the login ticket it belongs to
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

// Whether the challenge may be used at `now`: not used and not expired.
inline bool live(const WebauthnChallenge& challenge, std::int64_t now) {
    return !challenge.used_at && now < challenge.expires_at;
}
// The same condition in SQL; `now` is the statement's parameter that holds the time ("$2"). A
// unit test holds the two together.
inline std::string live_challenge_sql(std::string_view now) {
    return "used_at IS NULL AND expires_at > " + std::string(now);
}

class Passkeys : public Repository {
  public:
    using Repository::Repository;

    // The user's passkeys, oldest first.
    std::vector<Passkey> of_user(const std::string& user_id);
    std::optional<Passkey> find(const std::string& id);
    std::optional<Passkey> find_by_credential_id(const std::string& credential_id);
    // Throws Duplicate("credential_id") when the credential is registered already (to anyone).
    void insert(const Passkey& passkey);
    // Returns whether the user's passkey was there to rename or remove.
    bool rename(const std::string& id, const std::string& user_id, const std::string& name);
    bool remove(const std::string& id, const std::string& user_id);
    // A use of the passkey: its new counter and backup state, if the counter is still
    // `expected_sign_count` (of two uses that read the same counter, one records). Returns
    // whether it did.
    bool record_use(const std::string& id, std::int64_t expected_sign_count,
                    std::int64_t sign_count, bool backed_up, std::int64_t at);

    void insert_challenge(const WebauthnChallenge& challenge);
    // Spends the challenge if it is live at `now` and returns it; nullopt when it is unknown,
    // used or expired (of concurrent uses, one gets it).
    std::optional<WebauthnChallenge> use_challenge(const std::string& challenge_hash,
                                                   std::int64_t now);
    void delete_expired_challenges(std::int64_t before);
};

}  // namespace authd::store
