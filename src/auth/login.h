#pragma once
// A login from its password step to its tokens, through the second factor when the account
// needs one, within the login limits, recorded in the audit log. The only way a session is
// opened with a password.
#include <optional>
#include <string_view>

#include "auth/audit.h"
#include "auth/login_limits.h"
#include "auth/sessions.h"
#include "auth/two_factor.h"

namespace authd::auth {

struct LoginOutcome {
    std::optional<Sessions::LoginResult> session;  // logged in
    std::optional<LoginChallenge> challenge;       // or: a second factor is needed first
};

class LoginFlow {
  public:
    LoginFlow(store::Store& store, Sessions& sessions, TwoFactor& two_factor, LoginLimits& limits,
              Audit& audit);

    // POST login.
    LoginOutcome password_step(std::string_view login, std::string_view password,
                               const ClientInfo& client);
    // POST otp {"ticket", "code"}.
    Sessions::LoginResult code_step(std::string_view ticket, std::string_view code,
                                    const ClientInfo& client);
    // POST otp {"username", "password", "otp"} (the existing front end): both steps at once.
    // An account that needs no second factor logs in with its password alone.
    Sessions::LoginResult both_steps(std::string_view login, std::string_view password,
                                     std::string_view code, const ClientInfo& client);
    // POST otp {"ticket", "send": "email"}.
    void send_email_code(std::string_view ticket);

  private:
    // The limits, then the password: the user on success; the failure counted and recorded.
    store::User check_password(std::string_view login, std::string_view password,
                               const ClientInfo& client, std::string& account_key);
    TwoFactor::Outcomes code_outcomes(Sessions::LoginResult& result, const ClientInfo& client);

    store::Store& store_;
    Sessions& sessions_;
    TwoFactor& two_factor_;
    LoginLimits& limits_;
    Audit& audit_;
};

}  // namespace authd::auth
