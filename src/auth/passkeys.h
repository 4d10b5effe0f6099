#pragma once
// Passkeys (WebAuthn): registering one with the account's re-authentication, the challenges of
// the ceremonies, checking an assertion against the stored credential, and managing them. The
// logins themselves go through LoginFlow, which opens the session.
#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/audit.h"
#include "auth/notices.h"
#include "auth/rate_limits.h"
#include "auth/reauthentication.h"
#include "auth/sessions.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"
#include "webauthn/json_forms.h"
#include "webauthn/settings.h"

namespace authd::auth {

struct PasskeyLimits {
    Limit login_options_per_address{60, 60};  // anonymous options answers (each stores a row)
    Limit options_per_account{30, 3600};      // registration and second-factor options
    std::size_t max_per_account = 20;         // passkeys one account may hold
    std::size_t max_name_length = 64;
};

// An assertion that verified against a stored passkey, not yet recorded as a use.
struct VerifiedAssertion {
    store::User user;
    store::Passkey passkey;
    std::int64_t sign_count = 0;
    bool backed_up = false;
    bool user_verified = false;
};

// Why an assertion was not accepted, for the login's audit and counters.
class PasskeyRefused : public std::runtime_error {
  public:
    enum class Reason {
        unknown_credential,  // not registered here (or not for this ticket's account)
        invalid,             // a check of §7.2 failed
        counter_regressed,   // the signature counter did not move forward
        inactive_account,
    };
    PasskeyRefused(Reason reason, const std::string& detail, std::optional<store::User> user = {},
                   std::string passkey_id = {})
        : std::runtime_error(detail),
          reason_(reason),
          user_(std::move(user)),
          passkey_id_(std::move(passkey_id)) {}
    Reason reason() const { return reason_; }
    // The passkey's account, when it was found.
    const std::optional<store::User>& user() const { return user_; }
    // The passkey's id, when it was found.
    const std::string& passkey_id() const { return passkey_id_; }
    // The audit log's detail and the answer's code.
    std::string_view code() const;

  private:
    Reason reason_;
    std::optional<store::User> user_;
    std::string passkey_id_;
};

// Serialises the changes to `user_id`'s passkeys and password within the caller's transaction
// (PostgreSQL; SQLite has one writer): the count of passkeys and whether a password exists are
// then read as they stand, so an account never ends without both.
void lock_passkeys(store::Transaction& tx, const std::string& user_id);

class Passkeys {
  public:
    Passkeys(store::Store& store, const Reauthentication& reauthentication, Notices& notices,
             Audit& audit, RateLimiter& limiter, const Clock& clock, Random& random,
             webauthn::PasskeySettings settings, PasskeyLimits limits = {});

    // POST passkeys/options: needs a recent login or the password.
    webauthn::CreationOptions registration_options(const Principal& caller,
                                                   const std::optional<std::string>& password,
                                                   const ClientInfo& client);
    // POST passkeys/: checks the credential against the caller's challenge (§7.1) and stores it.
    store::Passkey add(const Principal& caller, const boost::json::value& credential,
                       const std::optional<std::string>& name, const ClientInfo& client);
    std::vector<store::Passkey> list(const Principal& caller);
    store::Passkey rename(const Principal& caller, const std::string& id, const std::string& name,
                          const ClientInfo& client);
    // DELETE passkeys/<id>: needs a recent login or the password; an account without a password
    // keeps at least one passkey.
    void remove(const Principal& caller, const std::string& id,
                const std::optional<std::string>& password, const ClientInfo& client);

    // POST login/passkey/options: any discoverable credential.
    webauthn::RequestOptions login_options(const ClientInfo& client);
    // POST otp/passkey/options: `user`'s passkeys but the one of the first step, for the login
    // ticket `ticket_hash`; 400 no_passkey when none is left.
    webauthn::RequestOptions second_factor_options(const store::User& user,
                                                   const std::string& ticket_hash,
                                                   const std::string& first_passkey_id,
                                                   const ClientInfo& client);

    // The assertion of a login (`ticket_hash` empty) or of a ticket's second factor (not by
    // `first_passkey_id`, the passkey of its first step): spends its challenge, then checks it
    // (§7.2) against the stored passkey. Throws ValidationError when
    // the credential cannot be read, Error when its challenge is unknown, used, expired or for
    // another ceremony, and PasskeyRefused when the credential or its signature is refused (the
    // caller counts and records the failure).
    VerifiedAssertion verify_assertion(const boost::json::value& credential,
                                       const std::string& ticket_hash,
                                       const std::string& first_passkey_id = {});
    // Inside the transaction of the login: the use is recorded, unless another use of the
    // passkey was recorded since it was read (false: the caller refuses the login).
    bool record_use(store::Transaction& tx, const VerifiedAssertion& assertion);

    const webauthn::PasskeySettings& settings() const { return settings_; }

  private:
    // A new challenge of `purpose`, stored hashed; its base64url.
    std::string new_challenge(store::Transaction& tx, std::string_view purpose,
                              const std::optional<std::string>& user_id,
                              const std::string& user_handle, const std::string& ticket_hash);
    // `challenge` (as a client data names it), spent; Error when it cannot be used for
    // `purpose`.
    store::WebauthnChallenge spend_challenge(const std::string& challenge,
                                             std::string_view purpose);
    // `name` trimmed; ValidationError under "name" when blank, too long or with control codes.
    std::string checked_name(const std::string& name) const;
    // ValidationError when the account already holds as many passkeys as it may.
    void refuse_if_full(const std::vector<store::Passkey>& existing) const;
    // `work` in a transaction that first counts `bucket` against `limit`; beyond it, 429 (the
    // refusal recorded in the audit log).
    void write_within(const ClientInfo& client, const std::string& bucket, const Limit& limit,
                      const std::function<void(store::Transaction&)>& work);
    // Request options around `challenge`, for the relying party.
    webauthn::RequestOptions request_options(
        std::string challenge, std::vector<webauthn::CredentialDescriptor> allow) const;

    store::Store& store_;
    const Reauthentication& reauthentication_;
    Notices& notices_;
    Audit& audit_;
    RateLimiter& limiter_;
    const Clock& clock_;
    Random& random_;
    webauthn::PasskeySettings settings_;
    PasskeyLimits limits_;
};

}  // namespace authd::auth
