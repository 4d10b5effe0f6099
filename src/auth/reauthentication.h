#pragma once
// Sensitive changes (e-mail, turning two-factor authentication off, removing the app, deleting
// the account) need proof that the owner is at the keyboard: a login within the window, or the
// current password in the request.
#include <cstdint>
#include <optional>
#include <string>

#include "auth/audit.h"
#include "auth/password_check.h"
#include "auth/sessions.h"
#include "util/clock.h"

namespace authd::auth {

class Reauthentication {
  public:
    Reauthentication(store::Store& store, PasswordCheck& passwords, Audit& audit,
                     const Clock& clock, std::int64_t window);

    // Passes when `password` is the caller's current password, or when none is given and the
    // session's login (`auth_time`) is within the window. A wrong password → 400 under
    // "password"; no password and an old login → 403 reauthentication_required.
    void require(const Principal& caller, const std::optional<std::string>& password,
                 const ClientInfo& client) const;

    // Whether `password` is the caller's current password (PasswordCheck, as a login by the
    // account's username: a stolen access token must not become a way to guess the password).
    // 429 when limited; a wrong password is recorded as a failed login of the caller's session.
    bool is_current_password(const Principal& caller, std::string_view password,
                             const ClientInfo& client) const;

    // Passes when the caller's session logged in with a passkey (in either step) within the
    // window: what removing the password asks, so that the account is shown to open without
    // it. Otherwise 403 passkey_reauthentication_required.
    void require_passkey_login(const Principal& caller) const;

  private:
    store::Store& store_;
    PasswordCheck& passwords_;
    Audit& audit_;
    const Clock& clock_;
    std::int64_t window_;
};

}  // namespace authd::auth
