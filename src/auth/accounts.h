#pragma once
// Accounts: registration, the owner's reads and changes, password change, deletion.
#include <optional>
#include <string>
#include <string_view>

#include "auth/audit.h"
#include "auth/email_flows.h"
#include "auth/notices.h"
#include "auth/password_policy.h"
#include "auth/platform_sync.h"
#include "auth/rate_limits.h"
#include "auth/reauthentication.h"
#include "auth/sessions.h"
#include "auth/two_factor.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::crypto {
class PasswordHasher;
}

namespace authd::auth {

struct Registration {
    std::string username;
    std::string email;
    std::string password;
    std::string password2;
    bool two_fa_enable = false;
    std::string lang = "en";
};

// The fields an update may change; absent ones stay as they are.
struct ProfileChanges {
    std::optional<std::string> username;
    std::optional<std::string> email;
    std::optional<bool> two_fa_enable;
    std::optional<std::string> lang;
    // The current password, to confirm a sensitive change (e-mail, turning 2FA off) when the
    // login is not recent. It cannot change the password.
    std::optional<std::string> password;
};

struct PasswordChange {
    std::string current;
    std::string new_password;
    std::string new_password2;
};

struct UpdateResult {
    store::User user;
    std::optional<TokenPair> tokens;  // when the username changed
    // When the update turned two-factor authentication on: a new app secret and recovery codes.
    std::optional<TotpEnrolment> app;
    std::vector<std::string> recovery_codes;
};

class Accounts {
  public:
    // `registration_limit`: registrations per client address (its /64 for IPv6).
    Accounts(store::Store& store, crypto::PasswordHasher& hasher, const PasswordPolicy& policy,
             Sessions& sessions, Notices& notices, EmailVerification& verification,
             TwoFactor& two_factor, const Reauthentication& reauthentication, Audit& audit,
             RateLimiter& limiter, Limit registration_limit, const Clock& clock, Random& random);

    // With the platform's services (docs/HOOKS.md): creations, renames and deletions are made
    // there too, all or nothing.
    void set_platform(PlatformSync& platform) { platform_ = &platform; }

    // Registrations are limited per client address.
    store::User register_user(const Registration& registration, const ClientInfo& client);

    // Owner only: `path_username` must be the caller's own name, else 403 (whether or not the
    // name exists).
    store::User get(const Principal& caller, std::string_view path_username);
    UpdateResult update(const Principal& caller, std::string_view path_username,
                        const ProfileChanges& changes, const ClientInfo& client);
    void change_password(const Principal& caller, std::string_view path_username,
                         const PasswordChange& change, const ClientInfo& client);
    // `password/<username>` with "new_password": null: the account then logs in only with its
    // passkeys (a password reset sets a password again). Needs a passkey and a recent login with
    // one; `current`, when given, must be the password.
    void remove_password(const Principal& caller, std::string_view path_username,
                         const std::optional<std::string>& current, const ClientInfo& client);
    // Needs a recent login or the current password.
    void remove(const Principal& caller, std::string_view path_username,
                const std::optional<std::string>& password, const ClientInfo& client);

  private:
    bool platform_calls(PlatformChange change) const {
        return platform_ && platform_->has_calls(change);
    }
    // Records a rename with the platform's services and makes their calls; throws the answer
    // when they refuse (the new name is then theirs nowhere).
    HeldChange rename_on_platform(const Principal& caller, const std::string& new_username,
                                  const ClientInfo& client);

    PlatformSync* platform_ = nullptr;
    store::Store& store_;
    crypto::PasswordHasher& hasher_;
    const PasswordPolicy& policy_;
    Sessions& sessions_;
    Notices& notices_;
    EmailVerification& verification_;
    TwoFactor& two_factor_;
    const Reauthentication& reauthentication_;
    Audit& audit_;
    RateLimiter& limiter_;
    Limit registration_limit_;
    const Clock& clock_;
    Random& random_;
};

void require_owner(const Principal& caller, std::string_view path_username);

}  // namespace authd::auth
