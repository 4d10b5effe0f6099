#pragma once
// A login from its first step (a password or a passkey) to its tokens, through the second factor
// when the account needs one, within the login limits, recorded in the audit log. The only way a
// session is opened.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "auth/audit.h"
#include "auth/login_limits.h"
#include "auth/passkeys.h"
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
        wrong_code,  // a wrong second-factor code (or a refused passkey at that step)
        passkey_refused,  // a registered passkey whose assertion did not verify
    };
    static constexpr std::size_t outcome_count = 8;
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
    LoginFlow(store::Store& store, PasswordCheck& passwords, Passkeys& passkeys, Sessions& sessions,
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

    // POST login/passkey: a passkey's assertion. One verified with UV is both factors; without
    // UV an account with two-factor authentication gets a ticket, as after a password. A
    // passkey cannot be guessed, so a password's backoff does not hold it back, but its
    // failures count toward the login limits like wrong passwords.
    LoginOutcome passkey_step(const boost::json::value& credential, const ClientInfo& client);
    // POST otp/passkey/options {"ticket"}: the options of a ticket's passkey.
    webauthn::RequestOptions passkey_options(std::string_view ticket, const ClientInfo& client);
    // POST otp/passkey {"ticket", "credential"}: a passkey as the second factor.
    Sessions::LoginResult passkey_second_step(std::string_view ticket,
                                              const boost::json::value& credential,
                                              const ClientInfo& client);

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
    // (`pair`) and the audit event, which names how the login ended (`method`). `proof`:
    // "passkey" when a passkey took part in either step, else "password".
    Sessions::LoginResult finish_login(store::Transaction& tx, const store::User& user,
                                       const ClientInfo& client, std::string_view method,
                                       const std::string& pair,
                                       std::string_view proof = "password");
    // The verified assertion of a passkey login (`ticket_hash` empty) or second step; a
    // refused passkey is recorded (and counted toward the ticket's wrong codes for `attempt`)
    // and answered 401.
    VerifiedAssertion verified_passkey(const boost::json::value& credential,
                                       const TwoFactor::Attempt* attempt, const ClientInfo& client);
    // A refused passkey: recorded in the audit log, counted in the login limits and metrics
    // (and as a wrong code of `attempt`, at the second step), then answered.
    [[noreturn]] void refuse_passkey(const PasskeyRefused& refused,
                                     const TwoFactor::Attempt* attempt, const ClientInfo& client);
    void count(LoginCounters::Outcome outcome) {
        if (counters_) counters_->add(outcome);
    }

    store::Store& store_;
    PasswordCheck& passwords_;
    Passkeys& passkeys_;
    Sessions& sessions_;
    TwoFactor& two_factor_;
    LoginLimits& limits_;
    Audit& audit_;
    LoginCounters* counters_;
};

}  // namespace authd::auth
