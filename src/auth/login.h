#pragma once
// A login from its password step to its tokens, through the second factor when the account
// needs one, within the login limits, recorded in the audit log. The only way a session is
// opened with a password.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "auth/audit.h"
#include "auth/login_limits.h"
#include "auth/password_check.h"
#include "auth/sessions.h"
#include "auth/two_factor.h"
#include "util/metrics.h"

namespace authd::auth {

struct LoginOutcome {
    std::optional<Sessions::LoginResult> session;  // logged in
    std::optional<LoginChallenge> challenge;       // or: a second factor is needed first
};

// How login attempts ended (authd_logins_total{outcome}), counted once what the attempt
// changed is committed. Thread-safe.
class LoginCounters {
  public:
    enum class Outcome {
        success,                 // a session opened (by password, or by its second factor)
        second_factor_required,  // the password was right; a ticket was issued
        wrong_password,
        unknown_account,
        inactive_account,
        throttled,   // refused by a login limit (or the second factor's lockout) before checking
        wrong_code,  // a wrong second-factor code
    };
    static constexpr std::size_t outcome_count = 7;
    static std::string_view name(Outcome outcome);

    void add(Outcome outcome) { counts_[static_cast<std::size_t>(outcome)].add(); }
    std::uint64_t value(Outcome outcome) const {
        return counts_[static_cast<std::size_t>(outcome)].value();
    }
    void collect(metrics::Writer& out) const;

  private:
    std::array<metrics::Counter, outcome_count> counts_;
};

class LoginFlow {
  public:
    // `counters` may be null (nothing counted).
    LoginFlow(store::Store& store, PasswordCheck& passwords, Sessions& sessions,
              TwoFactor& two_factor, LoginLimits& limits, Audit& audit,
              LoginCounters* counters = nullptr);

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
    void send_email_code(std::string_view ticket, const ClientInfo& client);

  private:
    // The account a login names: `login` is a username or an e-mail address, matched
    // case-insensitively.
    std::optional<store::User> find_account(std::string_view login);
    // The account `login` names once `password` proved it (PasswordCheck); a failure is counted
    // and recorded, and answered as for SimpleJWT.
    store::User verified_account(std::string_view login, std::string_view password,
                                 const ClientInfo& client);
    // A login whose password was enough: its session, opened and counted.
    Sessions::LoginResult password_login(const store::User& user, std::string_view login,
                                         const ClientInfo& client);
    // 429 when the account waits after too many wrong codes in a row.
    void refuse_if_locked(const store::User& user);
    // The code of an admitted second step: spent with the session opened in one transaction,
    // or counted as a wrong code.
    Sessions::LoginResult second_step(const TwoFactor::Attempt& attempt, std::string_view code,
                                      const ClientInfo& client);
    // Inside the transaction that ends a login: the session, the end of the pair's backoff
    // (`pair`) and the audit event, which names how the login ended (`method`).
    Sessions::LoginResult finish_login(store::Transaction& tx, const store::User& user,
                                       const ClientInfo& client, std::string_view method,
                                       const std::string& pair);
    void count(LoginCounters::Outcome outcome) {
        if (counters_) counters_->add(outcome);
    }

    store::Store& store_;
    PasswordCheck& passwords_;
    Sessions& sessions_;
    TwoFactor& two_factor_;
    LoginLimits& limits_;
    Audit& audit_;
    LoginCounters* counters_;
};

}  // namespace authd::auth
