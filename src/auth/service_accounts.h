#pragma once
// The microservices' own credentials and their tokens. Two kinds: AUTH_SERVICES (name and
// secret in the configuration) and accounts kept in the database (imported from the Django
// service with their password hash). A name in both is AUTH_SERVICES'.
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/tokens.h"
#include "crypto/password_hasher.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/random.h"

namespace authd::auth {

struct ServiceSecret {
    std::string name;
    std::string secret;
};

class ServiceAccounts {
  public:
    ServiceAccounts(std::vector<ServiceSecret> services, const TokenIssuer& tokens,
                    store::Store& store, crypto::PasswordHasher& hasher, Audit& audit,
                    const Clock& clock, Random& random);

    // A service token for a known name and secret; otherwise 401 invalid_credentials. Every
    // configured service is compared, in constant time, whatever matches; a name configured
    // nowhere is looked up among the stored accounts, whose hash is checked (and upgraded to
    // the configured Argon2id parameters on success).
    std::string issue_token(std::string_view name, std::string_view secret);

    // The caller of a route reserved to services. Throws the bearer 401 for anything else.
    ServiceClaims authenticate(std::string_view token) const;

    // Whether `name` is a configured or stored service (its tokens stop counting once it is
    // removed).
    bool is_configured(std::string_view name) const;

  private:
    // Whether a stored account has this name and secret.
    bool check_stored(std::string_view name, std::string_view secret);

    struct Entry {
        std::string name;
        std::string secret_digest;  // fixed-length digests compare in constant time
    };
    std::vector<Entry> services_;
    const TokenIssuer& tokens_;
    store::Store& store_;
    crypto::PasswordHasher& hasher_;
    Audit& audit_;
    const Clock& clock_;
    Random& random_;
    // Verified when the name is in no table either, so timing does not tell stored names apart.
    std::string dummy_hash_;
};

}  // namespace authd::auth
