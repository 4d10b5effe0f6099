#pragma once
// Two-factor authentication: authenticator apps (TOTP), e-mailed login codes, recovery codes,
// and the login ticket that carries a login from its password step to its second factor.
#include <cstdint>
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

// The answer to a ticket that cannot be used.
[[noreturn]] void throw_invalid_ticket();

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
    TwoFactorSetup prepare_setup(const store::User& user, const ClientInfo& client);
    void store_setup(store::Transaction& tx, const store::User& user, const TwoFactorSetup& setup,
                     const ClientInfo& client);

    // POST 2fa/totp/: a new app secret, waiting for its first code; a confirmed app keeps
    // working until the new one is confirmed. Replacing a confirmed app needs a recent login or
    // the password, like removing it.
    TotpEnrolment begin_totp(const Principal& caller, const std::optional<std::string>& password,
                             const ClientInfo& client);
    // POST 2fa/totp/confirm: 400 under "code" when it is not a current code of the new app.
    void confirm_totp(const Principal& caller, std::string_view code, const ClientInfo& client);
    // DELETE 2fa/totp/: needs a recent login or the password; 404 when there is no app.
    void remove_totp(const Principal& caller, const std::optional<std::string>& password,
                     const ClientInfo& client);
    // POST 2fa/recovery_codes/: the password is required; the old codes stop working.
    std::vector<std::string> regenerate_recovery_codes(const Principal& caller,
                                                       const std::string& password,
                                                       const ClientInfo& client);

    // The first step succeeded for a user who needs a second factor: a ticket, and a mailed
    // code when no app is ready, inside the caller's transaction. `first_passkey_id`: the
    // passkey that made the first step (it cannot be the second), or "" for a password; then
    // `other_passkey` says whether the account has another (user_rules.h).
    LoginChallenge challenge(store::Transaction& tx, const store::User& user,
                             const ClientInfo& client, const std::string& first_passkey_id = {},
                             bool other_passkey = true);
    // {"ticket", "send": "email"}: mails a new code (rate limited).
    void send_email_code(std::string_view ticket, const ClientInfo& client);

    // The second step of a login, read before its code is checked. LoginFlow runs it:
    // ticket_attempt() or password_attempt(), lockout_wait(), admit() for a ticket, match(), then
    // in its transaction spend() or, for a wrong code, record_wrong_code().
    struct Candidates {
        std::vector<store::TotpDevice> devices;
        std::vector<store::LoginTicket> email_tickets;  // tickets whose mailed code may match
        std::vector<store::RecoveryCode> recovery_codes;
    };
    struct Attempt {
        store::User user;
        // The ticket presented, counted as a failure when the attempt was admitted; none for
        // the front end's {username, password, otp}.
        std::optional<std::string> ticket_hash;
        std::string first_passkey_id;  // the ticket's first step was this passkey, if any
        Candidates candidates;
    };
    struct Match {
        // passkey: its assertion was verified, and its use is recorded by the caller.
        enum class Kind { none, totp, email, recovery, passkey } kind = Kind::none;
        std::string device_id;
        std::int64_t step = 0;
        std::string ticket_hash;  // email: the ticket whose code it is
        std::string recovery_id;
        bool confirms_app = false;  // totp: the app's first code
        bool replaces_app = false;  // ... and another app was confirmed before it
        bool found() const { return kind != Kind::none; }
    };

    // The attempt of a ticket: nullopt when it is unknown, used, expired, out of tries, or the
    // password changed since it was issued.
    std::optional<Attempt> ticket_attempt(std::string_view ticket);
    // The attempt of a user whose password was just checked (the front end's {username,
    // password, otp}): e-mailed codes of the user's live tickets count too.
    Attempt password_attempt(const store::User& user);
    // Seconds the account waits after too many wrong codes in a row; 0 when it need not.
    std::int64_t lockout_wait(const store::User& user) const;
    // Counts a ticket's attempt as a failure before its code is looked at: of parallel attempts,
    // only as many as the ticket has wrong codes left get their code checked. False when none
    // is left.
    bool admit(const Attempt& attempt);
    // Which factor `code` is (checking a recovery code costs hashes: outside any transaction).
    Match match(const Attempt& attempt, std::string_view code, const ClientInfo& client);
    // Inside the caller's transaction: spends what the code used (the app's time step, the
    // mailed code's ticket, the recovery code) and the attempt's ticket, and tells the owner
    // (an app confirmed, a recovery code used). The account as it is now; nullopt when another
    // request spent any of it first or the password changed meanwhile: the caller then rolls
    // its transaction back and counts a wrong code.
    std::optional<store::User> spend(store::Transaction& tx, const Attempt& attempt,
                                     const Match& match, const ClientInfo& client);
    // Inside the caller's transaction: a wrong code counts toward the account's lockout. A
    // ticket's attempt paid when it was admitted; without a ticket, every ticket whose mailed
    // code was a candidate pays, so that form cannot outlast a ticket's limit of wrong codes.
    void record_wrong_code(store::Transaction& tx, const Attempt& attempt);

  private:
    Candidates load_candidates(store::Transaction& tx, const store::User& user,
                               const std::optional<store::LoginTicket>& ticket, bool all_tickets);
    // `address`: the client's, for the hash pool's shares.
    Match find_match(const Candidates& candidates, std::string_view code, std::string_view address);
    // Whether an app not confirmed yet may still be (its enrolment is recent enough).
    bool enrolment_open(const store::TotpDevice& device) const;
    // The owner is told of a confirmed app, with when and from where.
    void notify_app_confirmed(store::Transaction& tx, const store::User& user,
                              const ClientInfo& client);
    std::string email_code_hash(const std::string& ticket_hash, std::string_view code) const;
    void mail_code(store::Transaction& tx, const store::User& user, const std::string& ticket_hash,
                   std::int64_t expires_at);
    std::vector<std::string> new_recovery_codes(const store::User& user,
                                                std::vector<store::RecoveryCode>& rows,
                                                const ClientInfo& client);
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
