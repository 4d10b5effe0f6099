#include "auth/reauthentication.h"

#include "util/errors.h"

namespace authd::auth {

Reauthentication::Reauthentication(store::Store& store, PasswordCheck& passwords, Audit& audit,
                                   const Clock& clock, std::int64_t window)
    : store_(store), passwords_(passwords), audit_(audit), clock_(clock), window_(window) {}

bool Reauthentication::is_current_password(const Principal& caller, std::string_view password,
                                           const ClientInfo& client) const {
    std::optional<store::User> user = caller.user;
    if (passwords_.matches(user, caller.user.username, password, client.ip,
                           crypto::HashPurpose::ordinary))
        return true;
    // The failure was counted when the attempt was admitted.
    store_.write([&](store::Transaction& tx) {
        audit_.record(tx, client, event::login_failed, caller.user, caller.session.id,
                      "wrong_current_password");
    });
    return false;
}

void Reauthentication::require(const Principal& caller, const std::optional<std::string>& password,
                               const ClientInfo& client) const {
    if (password) {
        if (!is_current_password(caller, *password, client))
            throw ValidationError("password", i18n::keys::password_incorrect);
        return;
    }
    if (clock_.now() - caller.session.auth_time > window_)
        throw Error(ErrorKind::forbidden, "reauthentication_required",
                    i18n::keys::reauthentication_required);
}

void Reauthentication::require_passkey_login(const Principal& caller) const {
    if (caller.session.auth_method != "passkey" ||
        clock_.now() - caller.session.auth_time > window_)
        throw Error(ErrorKind::forbidden, "passkey_reauthentication_required",
                    i18n::keys::password_removal_needs_passkey_login);
}

}  // namespace authd::auth
