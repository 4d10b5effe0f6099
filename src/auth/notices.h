#pragma once
// The notices that tell a user about a change to their account. Each is queued in the outbox
// inside the transaction of the change, so it is sent exactly when the change is committed.
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/audit.h"
#include "store/store.h"

namespace authd::mail {
class Outbox;
}

namespace authd::auth {

class Notices {
  public:
    explicit Notices(mail::Outbox& outbox);

    void password_changed(store::Transaction& tx, const store::User& user);
    void password_reset(store::Transaction& tx, const store::User& user);
    // Sent to the old address.
    void email_changed(store::Transaction& tx, const store::User& user,
                       const std::string& old_email);

    void two_factor_enabled(store::Transaction& tx, const store::User& user);
    void two_factor_disabled(store::Transaction& tx, const store::User& user);
    void authenticator_removed(store::Transaction& tx, const store::User& user);
    // An app was confirmed (at 2fa/totp/confirm, or by its first code at a login): when, and
    // the address and user agent of the request that confirmed it.
    void authenticator_added(store::Transaction& tx, const store::User& user, std::int64_t at,
                             std::string_view address, std::string_view user_agent);
    // A passkey was added: its name, when, and the address and user agent of the request.
    void passkey_added(store::Transaction& tx, const store::User& user, std::string_view name,
                       std::int64_t at, const ClientInfo& client);
    void passkey_removed(store::Transaction& tx, const store::User& user, std::string_view name);
    void password_removed(store::Transaction& tx, const store::User& user);
    void recovery_code_used(store::Transaction& tx, const store::User& user, int remaining);

  private:
    mail::Outbox& outbox_;
};

}  // namespace authd::auth
