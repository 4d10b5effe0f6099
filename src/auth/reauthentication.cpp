#include "auth/reauthentication.h"

#include "crypto/password_hasher.h"
#include "util/errors.h"

namespace authd::auth {

Reauthentication::Reauthentication(crypto::PasswordHasher& hasher, const Clock& clock,
                                   std::int64_t window)
    : hasher_(hasher), clock_(clock), window_(window) {}

void Reauthentication::require(const Principal& caller,
                               const std::optional<std::string>& password) const {
    if (password) {
        if (!hasher_.verify(caller.user.password_hash, *password))
            throw ValidationError("password",
                                  "Your password was entered incorrectly. Please enter it again.");
        return;
    }
    if (clock_.now() - caller.session.auth_time > window_)
        throw Error(ErrorKind::forbidden, "reauthentication_required",
                    "This change needs a recent login: log in again or send your current "
                    "password.");
}

}  // namespace authd::auth
