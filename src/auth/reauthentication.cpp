#include "auth/reauthentication.h"

#include "crypto/password_hasher.h"
#include "util/errors.h"
#include "util/origin.h"

namespace authd::auth {

Reauthentication::Reauthentication(store::Store& store, crypto::PasswordHasher& hasher,
                                   LoginLimits& limits, Audit& audit, const Clock& clock,
                                   std::int64_t window)
    : store_(store),
      hasher_(hasher),
      limits_(limits),
      audit_(audit),
      clock_(clock),
      window_(window) {}

bool Reauthentication::password_matches(const Principal& caller, std::string_view password) const {
    const std::string account = LoginLimits::account_key(caller.user, "");
    const std::string& address = current_origin().ip;
    // Guesses through these routes count like logins by the account's username.
    const LoginLimits::Attempt attempt =
        limits_.admit(account, address, LoginLimits::identifier_key(caller.user.username));
    bool matches = false;
    try {
        matches = hasher_.verify(caller.user.password_hash, password);
    } catch (...) {
        limits_.release(attempt);  // not checked (the hash pool is full): no failure
        throw;
    }
    if (matches) {
        store_.write([&](store::Transaction& tx) { limits_.release(tx, attempt); });
        store::User user = caller.user;
        upgrade_password_hash(store_, hasher_, user, password);
        return true;
    }
    // The failure was counted when the attempt was admitted.
    store_.write([&](store::Transaction& tx) {
        audit_.record(tx, event::login_failed, caller.user, caller.session.id,
                      "wrong_current_password");
    });
    return false;
}

void Reauthentication::require(const Principal& caller,
                               const std::optional<std::string>& password) const {
    if (password) {
        if (!password_matches(caller, *password))
            throw ValidationError("password", i18n::keys::password_incorrect);
        return;
    }
    if (clock_.now() - caller.session.auth_time > window_)
        throw Error(ErrorKind::forbidden, "reauthentication_required",
                    i18n::keys::reauthentication_required);
}

}  // namespace authd::auth
