#pragma once
// One-time links mailed to users: `<public URL>/api/auth/<route>/<uidb64>/<token>/`. The token
// is 256 random bits; only its hash is stored, with its purpose, user, address and expiry.
#include <optional>
#include <string>
#include <string_view>

#include "auth/link_format.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::auth {

class OneTimeLinks {
  public:
    OneTimeLinks(std::string public_url, const Clock& clock, Random& random);

    // Stores a new token for `user` and returns the link to mail. `route` is "reset" or
    // "verify_email".
    std::string create(store::Transaction& tx, store::TokenPurpose purpose, const store::User& user,
                       std::int64_t lifetime, std::string_view route);

    // The user the link is for, when its token is of `purpose`, unused, unexpired, matches the
    // uidb64, and was sent to the user's current address. Nothing is changed.
    std::optional<store::User> check(store::Transaction& tx, store::TokenPurpose purpose,
                                     std::string_view uidb64, std::string_view token);

    // check(), then marks the token used; of concurrent uses exactly one gets the user.
    std::optional<store::User> use(store::Transaction& tx, store::TokenPurpose purpose,
                                   std::string_view uidb64, std::string_view token);

  private:
    std::string public_url_;
    const Clock& clock_;
    Random& random_;
};

}  // namespace authd::auth
