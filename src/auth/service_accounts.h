#pragma once
// The microservices' own credentials and their tokens. Two kinds: AUTH_SERVICES (name and
// secret in the configuration) and accounts kept in the database (imported from the Django
// service with their password hash). A name in both is AUTH_SERVICES'.
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/rate_limits.h"
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

struct ServiceLoginSettings {
    // Failed service logins per client address (its /64 for IPv6), counted before the secret is
    // checked; beyond, 429.
    Limit failures_per_address{20, 600};
};

class ServiceAccounts {
  public:
    ServiceAccounts(std::vector<ServiceSecret> services, const TokenIssuer& tokens,
                    store::Store& store, crypto::PasswordHasher& hasher, Audit& audit,
                    RateLimiter& limiter, const Clock& clock, Random& random,
                    ServiceLoginSettings settings = {});

    // A service token for a known name and secret; otherwise 401 invalid_credentials, and 429
    // once the client's address has failed too often. Every configured service is compared, in
    // constant time, whatever matches; a name configured nowhere is looked up among the stored
    // accounts, whose hash is checked (and upgraded to the configured Argon2id parameters on
    // success). Every attempt costs one password hash, so the time taken does not tell which
    // names exist.
    std::string issue_token(std::string_view name, std::string_view secret,
                            const ClientInfo& client);

    // The caller of a route reserved to services. Throws the bearer 401 for anything else.
    ServiceClaims authenticate(std::string_view token) const;

    // Whether `name` is a configured or stored service (its tokens stop counting once it is
    // removed).
    bool is_configured(std::string_view name) const;

  private:
    // Whether a stored account has this name and secret.
    bool check_stored(std::string_view name, std::string_view secret, const ClientInfo& client);

    struct Entry {
        std::string name;
        std::string secret_digest;  // fixed-length digests compare in constant time
    };
    std::vector<Entry> services_;
    const TokenIssuer& tokens_;
    store::Store& store_;
    crypto::PasswordHasher& hasher_;
    Audit& audit_;
    RateLimiter& limiter_;
    const Clock& clock_;
    Random& random_;
    ServiceLoginSettings settings_;
    // Verified when no stored hash is, so every attempt costs one hash whatever its name.
    std::string dummy_hash_;
};

}  // namespace authd::auth
