#pragma once
// Accounts (the users table).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/repository.h"

namespace authd::store {

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
    bool passkey_ready = false;      // a passkey (read-only, from passkeys)
    int second_factor_failures = 0;  // consecutive wrong codes
    std::optional<std::int64_t> last_second_factor_failure;
};

class Users : public Repository {
  public:
    using Repository::Repository;

    std::optional<User> find_by_id(const std::string& id);
    // Case-insensitive.
    std::optional<User> find_by_username(std::string_view username);
    std::optional<User> find_by_email(std::string_view email);
    // Throws Duplicate.
    void insert(const User& user);
    // Writes username, email, two_fa_enable, email_verified and lang. Throws Duplicate.
    void update_profile(const User& user);
    // Writes the hash and when it changed (auth::store_new_password says what else a change
    // does).
    void update_password(const std::string& user_id, const std::string& password_hash,
                         std::int64_t changed_at);
    // Replaces the hash without counting as a change (a rehash with stronger parameters).
    void replace_password_hash(const std::string& user_id, const std::string& password_hash);
    void record_login(const std::string& user_id, std::int64_t at);
    void set_email_verified(const std::string& user_id, bool verified);
    // Marks a pending account as created (active).
    void finish_creation(const std::string& user_id);
    // Writes every field of an imported user but id, email_verified and the 2FA counters.
    // Throws Duplicate.
    void update_imported(const User& user);
    // Deletes the user with its sessions, links, apps, recovery codes, login tickets and passkeys.
    void remove(const std::string& user_id);

    // Consecutive wrong second-factor codes of an account: counted, or reset after a success.
    void record_second_factor_failure(const std::string& user_id, std::int64_t at);
    void reset_second_factor_failures(const std::string& user_id);
};

}  // namespace authd::store
