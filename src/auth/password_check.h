#pragma once
// The one check of a user's password, for a login, a re-authentication and every route that
// asks for the current password: within the login limits, for the same one hash whatever the
// outcome, and a match replaces a hash of another format or with weaker parameters.
#include <optional>
#include <string>
#include <string_view>

#include "auth/login_limits.h"
#include "crypto/password_hasher.h"
#include "store/store.h"
#include "util/random.h"

namespace authd::auth {

class PasswordCheck {
  public:
    PasswordCheck(store::Store& store, crypto::PasswordHasher& hasher, LoginLimits& limits,
                  Random& random);

    // Whether `password` is the password of `user`, the account that `typed` (a username or an
    // e-mail address, as typed) names; nullopt when it names none. The attempt is admitted by
    // the login limits first (429 when limited: the password is not looked at) and counted as
    // a failure until it matches; one that could not be checked (server busy, database down)
    // is not counted. An unknown or inactive account, or a hash that cannot match, costs the
    // same one hash as a wrong password, so timing tells none of them apart. On a match,
    // `user->password_hash` is the hash as now stored. `purpose`: the hash pool's share that an
    // active account's check takes (anything else is ordinary).
    bool matches(std::optional<store::User>& user, std::string_view typed,
                 std::string_view password, std::string_view address, crypto::HashPurpose purpose);

  private:
    bool verify(const std::optional<store::User>& user, std::string_view password,
                const crypto::HashCaller& caller);
    // After a match: a hash of another format (an imported Django hash) or with weaker
    // parameters than configured is replaced by a fresh one of the same password, unless the
    // password changed meanwhile. Not a password change: nothing is revoked.
    void upgrade_hash(store::User& user, std::string_view password,
                      const crypto::HashCaller& caller);

    store::Store& store_;
    crypto::PasswordHasher& hasher_;
    LoginLimits& limits_;
    std::string dummy_hash_;  // verified when no account's hash can be, so timing tells nothing
};

}  // namespace authd::auth
