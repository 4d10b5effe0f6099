#pragma once
// Two-factor authentication: authenticator apps (TOTP), e-mailed login codes, recovery codes,
// and the login ticket that carries a login from its password step to its second factor.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/notices.h"
#include "auth/rate_limits.h"
#include "auth/reauthentication.h"
#include "auth/secrets.h"
#include "auth/sessions.h"
#include "otp/sealed_box.h"
#include "otp/totp.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::crypto {
class PasswordHasher;
}
namespace authd::mail {
class Outbox;
}

namespace authd::auth {

struct TwoFactorSettings {
    std::int64_t ticket_lifetime = 300;  // seconds from the password step to the code
    int ticket_max_failures = 5;         // wrong codes that end a ticket
    int max_consecutive_failures = 100;  // wrong codes in a row per account before the lockout
    std::int64_t lockout = 3600;         // how long the account then waits
    int totp_window = 1;                 // steps accepted either side of now
    std::string issuer = "authd";        // shown by authenticator apps
    Limit email_code_limit{5, 3600};     // login codes mailed per account
    int recovery_code_count = 10;
    // An app not confirmed this long after its enrolment is no longer accepted: an enrolment a
    // thief started and left waiting for its first code does not stay open.
    std::int64_t unconfirmed_app_lifetime = 86400;
};

// A new authenticator-app secret: shown once, to be confirmed by its first correct code.
struct TotpEnrolment {
    std::string secret;  // base32
    std::string otp_uri;
    std::string qr_svg;
};

// What turning two-factor authentication on hands out. Prepared before the transaction that
// stores it (hashing the recovery codes is slow).
struct TwoFactorSetup {
    TotpEnrolment app;
    std::vector<std::string> recovery_codes;
    store::TotpDevice device;
    std::vector<store::RecoveryCode> recovery_rows;
};

struct LoginChallenge {
    std::string ticket;
    std::vector<std::string> methods;  // the ready factors
};

class TwoFactor {
  public:
    TwoFactor(store::Store& store, crypto::PasswordHasher& hasher, mail::Outbox& outbox,
              RateLimiter& limiter, Notices& notices, const Reauthentication& reauthentication,
              Audit& audit, const Secrets& secrets, const Clock& clock, Random& random,
              TwoFactorSettings settings);

    // Turning 2FA on through register or update.
    TwoFactorSetup prepare_setup(const store::User& user);
    void store_setup(store::Transaction& tx, const store::User& user, const TwoFactorSetup& setup);

    // POST 2fa/totp/: a new app secret, waiting for its first code; a confirmed app keeps
    // working until the new one is confirmed. Replacing a confirmed app needs a recent login or
    // the password, like removing it.
    TotpEnrolment begin_totp(const Principal& caller, const std::optional<std::string>& password);
    // POST 2fa/totp/confirm: 400 under "code" when it is not a current code of the new app.
    void confirm_totp(const Principal& caller, std::string_view code);
    // DELETE 2fa/totp/: needs a recent login or the password; 404 when there is no app.
    void remove_totp(const Principal& caller, const std::optional<std::string>& password);
    // POST 2fa/recovery_codes/: the password is required; the old codes stop working.
    std::vector<std::string> regenerate_recovery_codes(const Principal& caller,
                                                       const std::string& password);

    // The password step succeeded for a user who needs a second factor: a ticket, and a mailed
    // code when no app is ready.
    LoginChallenge challenge(const store::User& user, const ClientInfo& client);
    // {"ticket", "send": "email"}: mails a new code (rate limited).
    void send_email_code(std::string_view ticket);

    // What the caller does inside the transaction that decides a code: open the session on
    // success; count the failure toward the login limits otherwise.
    struct Outcomes {
        std::function<void(store::Transaction&, const store::User&)> success;
        std::function<void(store::Transaction&, const store::User&)> failure;
    };

    // Checks `code` for the ticket's user; on success, inside one transaction, spends what it
    // used (ticket, time step, recovery code) and calls `outcomes.success`. A wrong code counts
    // against the ticket and the account, and calls `outcomes.failure`.
    void complete_ticket(std::string_view ticket, std::string_view code, const Outcomes& outcomes);
    // The same for a user whose password was just checked (the front end's {username,
    // password, otp}): e-mailed codes of the user's live tickets count too.
    void complete_for_user(const store::User& user, std::string_view code,
                           const Outcomes& outcomes);

  private:
    struct Candidates;
    struct Match;
    Candidates load_candidates(store::Transaction& tx, const store::User& user,
                               const std::optional<store::LoginTicket>& ticket, bool all_tickets);
    Match find_match(const Candidates& candidates, std::string_view code);
    // `ticket_hash`: the ticket of the attempt, whose failure was counted when it was admitted.
    void finish(const store::User& user, const Match& match,
                const std::optional<std::string>& ticket_hash,
                const std::vector<std::string>& charged_tickets, const Outcomes& outcomes);
    void check_lockout(const store::User& user) const;
    // Whether an app not confirmed yet may still be (its enrolment is recent enough).
    bool enrolment_open(const store::TotpDevice& device) const;
    // The owner is told of a confirmed app, with when and from where.
    void notify_app_confirmed(store::Transaction& tx, const store::User& user);
    std::string email_code_hash(const std::string& ticket_hash, std::string_view code) const;
    void mail_code(store::Transaction& tx, const store::User& user, const std::string& ticket_hash,
                   std::int64_t expires_at);
    std::vector<std::string> new_recovery_codes(const store::User& user,
                                                std::vector<store::RecoveryCode>& rows);
    TotpEnrolment new_app(const store::User& user, store::TotpDevice& device);

    store::Store& store_;
    crypto::PasswordHasher& hasher_;
    mail::Outbox& outbox_;
    RateLimiter& limiter_;
    Notices& notices_;
    const Reauthentication& reauthentication_;
    Audit& audit_;
    const Secrets& secrets_;
    otp::SealedBox sealed_box_;
    const Clock& clock_;
    Random& random_;
    TwoFactorSettings settings_;
};

}  // namespace authd::auth
