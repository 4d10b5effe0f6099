#pragma once
// The flows that work through e-mail: verifying an address, resetting a forgotten password,
// and exporting one's data.
#include <string>
#include <string_view>

#include "auth/audit.h"
#include "auth/links.h"
#include "auth/notices.h"
#include "auth/password_policy.h"
#include "auth/platform_sync.h"
#include "auth/rate_limits.h"
#include "auth/sessions.h"
#include "store/store.h"
#include "util/clock.h"

namespace authd::crypto {
class PasswordHasher;
}
namespace authd::mail {
class Outbox;
}

namespace authd::auth {

struct EmailFlowSettings {
    std::int64_t verification_lifetime = 24 * 3600;
    std::int64_t reset_lifetime = 3600;
    Limit limit{3, 3600};  // per account or address, for reset, resend and export
};

class EmailVerification {
  public:
    EmailVerification(store::Store& store, OneTimeLinks& links, mail::Outbox& outbox,
                      RateLimiter& limiter, Audit& audit, EmailFlowSettings settings);

    // Queues the verification message for the user's current address (registration, e-mail
    // change), inside the caller's transaction.
    void send(store::Transaction& tx, const store::User& user);
    // Whether the link is good, changing nothing (a HEAD request, a mail scanner).
    bool link_valid(std::string_view uidb64, std::string_view token);
    // The user a good link is for, changing nothing; nullopt for a bad link.
    std::optional<store::User> link_user(std::string_view uidb64, std::string_view token);
    // Marks the address verified when the link is good; returns its user, or nullopt.
    std::optional<store::User> verify(std::string_view uidb64, std::string_view token,
                                      const ClientInfo& client);
    // Sends the message again (rate limited; 400 when already verified).
    void resend(const Principal& caller, const ClientInfo& client);
    // How long a link works (seconds).
    std::int64_t lifetime() const { return settings_.verification_lifetime; }

  private:
    store::Store& store_;
    OneTimeLinks& links_;
    mail::Outbox& outbox_;
    RateLimiter& limiter_;
    Audit& audit_;
    EmailFlowSettings settings_;
};

class PasswordReset {
  public:
    PasswordReset(store::Store& store, OneTimeLinks& links, mail::Outbox& outbox,
                  RateLimiter& limiter, const PasswordPolicy& policy,
                  crypto::PasswordHasher& hasher, Notices& notices, Audit& audit,
                  const Clock& clock, EmailFlowSettings settings);

    // Mails a reset link when an active account uses `email`. The same work and the same answer
    // whether or not one does, and past the limit nothing is sent, silently.
    void request(std::string_view email, const ClientInfo& client);
    // Whether the link is good (the form is shown).
    bool link_valid(std::string_view uidb64, std::string_view token);
    // The user a good link is for; nullopt for a bad link.
    std::optional<store::User> link_user(std::string_view uidb64, std::string_view token);
    // Sets the new password: the link is spent, every session ends, a notice is sent.
    // ValidationError for a refused password (under "new_password"/"new_password2"), 400
    // invalid_link for a bad link.
    void complete(std::string_view uidb64, std::string_view token, const std::string& password,
                  const std::string& password2, const ClientInfo& client);
    // How long a link works (seconds).
    std::int64_t lifetime() const { return settings_.reset_lifetime; }
    std::size_t min_password_length() const { return policy_.config().min_length; }

  private:
    store::Store& store_;
    OneTimeLinks& links_;
    mail::Outbox& outbox_;
    RateLimiter& limiter_;
    const PasswordPolicy& policy_;
    crypto::PasswordHasher& hasher_;
    Notices& notices_;
    Audit& audit_;
    const Clock& clock_;
    EmailFlowSettings settings_;
};

class DataExport {
  public:
    DataExport(store::Store& store, mail::Outbox& outbox, RateLimiter& limiter,
               EmailFlowSettings settings);

    // With the platform's services (docs/HOOKS.md): their data is gathered first, in the
    // background, and the message goes out once it is.
    void set_platform(PlatformSync& platform) { platform_ = &platform; }

    // Mails the caller everything authd stores about them, as a JSON attachment (rate limited).
    void request(const Principal& caller, const ClientInfo& client);
    // Queues the message inside the caller's transaction, with the services' answers by key
    // and the keys of those that could not be reached.
    void send(store::Transaction& tx, const store::User& user,
              const boost::json::object& services = {},
              const std::vector<std::string>& unavailable = {});

    // The export itself: account fields, sessions and security events; never a hash, a secret
    // or a token identifier. The services' answers are added under their keys.
    static std::string build(store::Transaction& tx, const store::User& user,
                             const boost::json::object& services = {},
                             const std::vector<std::string>& unavailable = {});

  private:
    PlatformSync* platform_ = nullptr;
    store::Store& store_;
    mail::Outbox& outbox_;
    RateLimiter& limiter_;
    EmailFlowSettings settings_;
};

[[noreturn]] void throw_invalid_reset_link();

}  // namespace authd::auth
